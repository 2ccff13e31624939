import type { Db, SessionUser } from '../../db/session.ts';
import type { Courses } from '../../db/types.generated.ts';
import { uniqueSuffix } from '../courses/courses.fixtures.ts';

/** Test fixtures for the catalogue: courses in any state and with any metrics, inserted as the system. */

export interface CatalogCourseSpec {
  title?: string;
  subtitle?: string | null;
  description?: string;
  tags?: string[];
  category?: string;
  difficultyLevel?: Courses['difficultyLevel'];
  language?: string;
  priceCents?: number;
  accessType?: 'free' | 'paid' | 'subscription';
  status?: 'draft' | 'published' | 'archived';
  deleted?: boolean;
  enrollmentCount?: number;
  averageRating?: number;
  totalReviews?: number;
  publishedAt?: Date;
}

export interface CatalogCourse {
  id: string;
  slug: string;
}

/**
 * A course of `instructor` straight into the table (the system path): the catalogue only reads,
 * and its tests need metrics (enrolments, ratings) and states (archived, trashed) that would take
 * many authoring and learning steps to reach. Published (now) unless told otherwise.
 */
export async function insertCatalogCourse(
  db: Db,
  instructor: SessionUser,
  spec: CatalogCourseSpec = {},
): Promise<CatalogCourse> {
  const priceCents = spec.priceCents ?? 0;
  const status = spec.status ?? 'published';
  return db.asSystem((tx) =>
    tx
      .insertInto('courses')
      .values({
        slug: `catalog-${uniqueSuffix()}`,
        title: spec.title ?? 'A course',
        subtitle: spec.subtitle ?? null,
        description: spec.description ?? 'Something to learn.',
        tags: spec.tags ?? [],
        instructorId: instructor.id,
        category: spec.category ?? 'general',
        difficultyLevel: spec.difficultyLevel ?? 'beginner',
        language: spec.language ?? 'en',
        priceCents,
        accessType: spec.accessType ?? (priceCents === 0 ? 'free' : 'paid'),
        status,
        publishedAt: status === 'draft' && !spec.publishedAt ? null : (spec.publishedAt ?? new Date()),
        deletedAt: spec.deleted ? new Date() : null,
        enrollmentCount: spec.enrollmentCount ?? 0,
        averageRating: spec.averageRating ?? 0,
        totalReviews: spec.totalReviews ?? 0,
      })
      .returning(['id', 'slug'])
      .executeTakeFirstOrThrow(),
  );
}
