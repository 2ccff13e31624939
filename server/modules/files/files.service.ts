import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileTypeFromFile } from 'file-type';
import {
  fileUrl,
  PURPOSE_SIZE_CLASS,
  type CourseFile,
  type CourseFileList,
  type FilePurpose,
} from '../../../contracts/files.ts';
import type { Config } from '../../config.ts';
import type { SessionUser } from '../../db/session.ts';
import type { RequestDb } from '../../platform/auth.ts';
import { AppError, findPgError } from '../../platform/errors.ts';
import type { ObjectStorage } from '../../platform/storage/storage.ts';
import { contentDispositionFor, decideContentType, sanitizeFileName, type Sniffed } from './file-checks.ts';
import {
  findManagedLiveCourse,
  findReadableFile,
  insertFile,
  listCourseFiles,
  softDeleteFile,
} from './files.queries.ts';

/** Who is calling: a Fastify request satisfies it (`request.user`, `request.db`). */
export interface Caller {
  readonly user: SessionUser | null;
  readonly db: RequestDb;
}

/** Where the bytes go, and the limits that apply. */
export interface FilesDeps {
  storage: ObjectStorage;
  uploads: Config['uploads'];
}

/** The object of a file: a function of its id only (see the CHECK in 0015_files.sql). */
export const storageKeyFor = (fileId: string) => `files/${fileId}`;

/** The file id of a storage key made by storageKeyFor, or undefined. */
export function fileIdOfKey(key: string): string | undefined {
  return /^files\/([0-9a-f-]{36})$/.exec(key)?.[1];
}

type FileRow = Awaited<ReturnType<typeof listCourseFiles>>[number];

function toCourseFile(row: FileRow): CourseFile {
  return {
    id: row.id,
    url: fileUrl(row.id),
    name: row.originalName,
    sizeBytes: row.sizeBytes,
    contentType: row.contentType,
    purpose: row.purpose,
    lessonId: row.lessonId,
    createdAt: row.createdAt.toISOString(),
  };
}

/**
 * Throws not_found unless the caller manages the course (owner or admin) and it is not in the
 * trash. Routes call it before reading an upload's body, so a stranger's bytes are never stored.
 */
export async function assertCanManageFiles(caller: Caller, courseId: string): Promise<void> {
  if (!caller.user) throw new AppError('unauthorized');
  const found = await caller.db.run((tx) => findManagedLiveCourse(tx, courseId));
  if (!found) throw new AppError('not_found', 'No such course.');
}

export interface Upload {
  courseId: string;
  purpose: FilePurpose;
  lessonId: string | null;
  /** The name the client gave; only its sanitised last segment is kept. */
  clientName: string;
  stream: Readable;
}

const MIB = 1024 * 1024;
const formatLimit = (bytes: number) =>
  bytes >= MIB ? `${Math.floor((bytes / MIB) * 10) / 10} MiB` : `${bytes} bytes`;

/**
 * Stores an upload: streams it to a temporary file under the purpose's byte limit (413
 * file_too_large beyond), detects its type from the content against the purpose's allowlist
 * (415 file_type_not_allowed), puts it in the store under a key made from a new id, and records
 * it. The caller must have passed assertCanManageFiles; the insert is checked by RLS again.
 */
export async function uploadFile(caller: Caller, deps: FilesDeps, upload: Upload): Promise<CourseFile> {
  const limit = deps.uploads.maxBytes[PURPOSE_SIZE_CLASS[upload.purpose]];
  const dir = await mkdtemp(join(tmpdir(), 'uw-upload-'));
  try {
    const path = join(dir, 'upload');
    const received = await receive(upload.stream, path, limit);
    if (received.tooLarge) {
      throw new AppError(
        'file_too_large',
        `The file is larger than the limit of ${formatLimit(limit)} for ${upload.purpose.replaceAll('_', ' ')}s.`,
        { limitBytes: limit },
      );
    }
    const sniffed: Sniffed = {
      detected: (await fileTypeFromFile(path))?.mime,
      isText: received.isText,
      head: received.head,
    };
    const decision = decideContentType(upload.purpose, sniffed, sanitizeFileName(upload.clientName));
    if (!decision.ok) throw new AppError('file_type_not_allowed', decision.message);

    const id = randomUUID();
    const key = storageKeyFor(id);
    await deps.storage.put(key, createReadStream(path), {
      contentType: decision.contentType,
      size: received.size,
      contentDisposition: contentDispositionFor(upload.purpose, decision.name),
    });
    try {
      // The object is stored before its row: a unit of work must not wait on the store.
      const row = await caller.db.run((tx) =>
        insertFile(tx, {
          id,
          courseId: upload.courseId,
          lessonId: upload.lessonId,
          storageKey: key,
          originalName: decision.name,
          contentType: decision.contentType,
          sizeBytes: received.size,
          sha256: received.sha256,
          purpose: upload.purpose,
        }),
      );
      return toCourseFile(row);
    } catch (error) {
      await deps.storage.delete(key).catch(() => {});
      if (findPgError(error)?.code === '23503' && upload.lessonId) {
        throw new AppError('validation_failed', 'lessonId is not a lesson of this course.', undefined, {
          cause: error,
        });
      }
      throw error;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface Received {
  tooLarge: boolean;
  size: number;
  sha256: string;
  isText: boolean;
  head: Buffer;
}

const HEAD_BYTES = 512;

/**
 * Copies `stream` to `path`, counting, hashing and checking for text on the way; stops as soon as
 * more than `limit` bytes arrived (the rest of the upload is not read).
 */
async function receive(stream: Readable, path: string, limit: number): Promise<Received> {
  const hash = createHash('sha256');
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let size = 0;
  let isText = true;
  let tooLarge = false;
  const heads: Buffer[] = [];
  let headLength = 0;
  const inspect = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        return done(new Error('limit'));
      }
      hash.update(chunk);
      if (headLength < HEAD_BYTES) {
        heads.push(chunk.subarray(0, HEAD_BYTES - headLength));
        headLength += Math.min(chunk.length, HEAD_BYTES - headLength);
      }
      if (isText) {
        try {
          if (chunk.includes(0)) isText = false;
          else decoder.decode(chunk, { stream: true });
        } catch {
          isText = false;
        }
      }
      done(null, chunk);
    },
    flush(done) {
      if (isText) {
        try {
          decoder.decode();
        } catch {
          isText = false; // ends inside a multi-byte sequence
        }
      }
      done();
    },
  });
  try {
    await pipeline(stream, inspect, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
  } catch (error) {
    if (!tooLarge) throw error;
    stream.resume(); // let the multipart parser move past the rest of the part
  }
  return {
    tooLarge,
    size,
    sha256: hash.digest('hex'),
    isText: isText && size > 0,
    head: Buffer.concat(heads),
  };
}

/** The course's files for its managers (404 for anyone else). */
export async function listFiles(caller: Caller, courseId: string): Promise<CourseFileList> {
  await assertCanManageFiles(caller, courseId);
  const rows = await caller.db.run((tx) => listCourseFiles(tx, courseId));
  return { items: rows.map(toCourseFile) };
}

/** Moves a file to the trash (managers only; 404 otherwise). Its object stays in the store. */
export async function deleteFile(caller: Caller, courseId: string, fileId: string): Promise<void> {
  if (!caller.user) throw new AppError('unauthorized');
  const deleted = await caller.db.run((tx) => softDeleteFile(tx, courseId, fileId));
  if (!deleted) throw new AppError('not_found', 'No such file.');
}

/**
 * A short-lived URL of the file's bytes when the caller may read it (private.readable_file decides);
 * the same not_found for an unknown, deleted or unreadable file.
 */
export async function signedFileUrl(caller: Caller, deps: FilesDeps, fileId: string): Promise<string> {
  const file = await caller.db.run((tx) => findReadableFile(tx, fileId));
  if (!file) throw new AppError('not_found', 'No such file.');
  return deps.storage.signedReadUrl(file.storageKey, deps.uploads.urlTtlSeconds);
}
