import { sql } from 'kysely';
import type { FilePurpose } from '../../../contracts/files.ts';
import type { Tx } from '../../db/session.ts';

/** The columns a manager's view of a file needs. */
const FILE_COLUMNS = [
  'id',
  'originalName',
  'sizeBytes',
  'contentType',
  'purpose',
  'lessonId',
  'createdAt',
] as const;

/** The course's id when the caller manages it (owner or admin) and it is not in the trash. */
export async function findManagedLiveCourse(tx: Tx, courseId: string): Promise<string | undefined> {
  const row = await tx
    .selectFrom('courses')
    .select('id')
    .where('id', '=', courseId)
    .where('deletedAt', 'is', null)
    .where(sql<boolean>`private.can_manage_course(${courseId}::uuid)`)
    .executeTakeFirst();
  return row?.id;
}

export interface NewFile {
  id: string;
  courseId: string;
  lessonId: string | null;
  storageKey: string;
  originalName: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  purpose: FilePurpose;
}

/** Inserts a file row (RLS: managers of the course only). */
export async function insertFile(tx: Tx, file: NewFile) {
  return tx.insertInto('courseFiles').values(file).returning(FILE_COLUMNS).executeTakeFirstOrThrow();
}

/** The course's live files, newest first (RLS shows them to its managers only). */
export async function listCourseFiles(tx: Tx, courseId: string) {
  return tx
    .selectFrom('courseFiles')
    .select(FILE_COLUMNS)
    .where('courseId', '=', courseId)
    .where('deletedAt', 'is', null)
    .orderBy('createdAt', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

/** Moves a live file of the course to the trash; false when there is none the caller manages. */
export async function softDeleteFile(tx: Tx, courseId: string, fileId: string): Promise<boolean> {
  const result = await tx
    .updateTable('courseFiles')
    .set({ deletedAt: new Date() })
    .where('id', '=', fileId)
    .where('courseId', '=', courseId)
    .where('deletedAt', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** The file's storage facts when the caller may read its bytes (private.readable_file), else undefined. */
export async function findReadableFile(tx: Tx, fileId: string) {
  const { rows } = await sql<{
    id: string;
    storageKey: string;
    originalName: string;
    contentType: string;
    purpose: FilePurpose;
  }>`select id, storage_key, original_name, content_type, purpose from private.readable_file(${fileId}::uuid)`.execute(
    tx,
  );
  return rows[0];
}
