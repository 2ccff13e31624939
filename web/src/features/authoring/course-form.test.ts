import { describe, expect, it } from 'vitest';
import { updateCourseSchema, type AuthoringCourse } from '../../../../contracts/authoring.ts';
import {
  changedFields,
  isCourseFormDirty,
  itemErrors,
  mapCourseErrors,
  parsePriceCents,
  slugify,
  toCourseBody,
  toCourseForm,
} from './course-form.ts';

const saved: AuthoringCourse = {
  id: '00000000-0000-4000-8000-000000000001',
  slug: 'typescript-basics',
  title: 'TypeScript Basics',
  subtitle: null,
  description: 'Learn **types**.',
  thumbnailUrl: null,
  previewVideoUrl: null,
  category: 'programming',
  subcategory: null,
  tags: ['typescript'],
  difficultyLevel: 'beginner',
  priceCents: 1999,
  accessType: 'paid',
  hasCertificate: true,
  language: 'en',
  captionsAvailable: [],
  prerequisites: [],
  learningOutcomes: ['Write types'],
  targetAudience: null,
  metaDescription: null,
  metaKeywords: [],
  status: 'draft',
  instructorId: '00000000-0000-4000-8000-000000000002',
  instructorName: 'Ada',
  lessonCount: 0,
  totalDurationMinutes: 0,
  enrollmentCount: 0,
  createdAt: '2026-11-25T10:00:00.000Z',
  updatedAt: '2026-11-25T10:00:00.000Z',
  publishedAt: null,
  lastUpdatedAt: null,
  isTrashed: false,
  deletedAt: null,
  sections: [],
};

describe('course form', () => {
  it('round-trips a saved course without changes', () => {
    const form = toCourseForm(saved);
    expect(form.price).toBe('19.99');
    expect(changedFields(form, saved)).toEqual({});
    expect(isCourseFormDirty(form, saved)).toBe(false);
  });

  it('sends only what changed, with empty texts as null and empty list rows dropped', () => {
    const form = {
      ...toCourseForm(saved),
      subtitle: '  From zero  ',
      tags: ['typescript', '', ' react '],
      targetAudience: '   ',
    };
    const body = changedFields(form, saved);
    expect(body).toEqual({ subtitle: 'From zero', tags: ['typescript', 'react'] });
    expect(updateCourseSchema.safeParse(body).success).toBe(true);
  });

  it('sends the slug only when the author changed it', () => {
    expect(changedFields({ ...toCourseForm(saved), title: 'TypeScript Basics, 2nd edition' }, saved)).toEqual(
      {
        title: 'TypeScript Basics, 2nd edition',
      },
    );
    expect(changedFields({ ...toCourseForm(saved), slug: 'ts-basics' }, saved)).toEqual({
      slug: 'ts-basics',
    });
  });

  it('makes a free course cost 0 whatever the price box holds', () => {
    const body = toCourseBody({ ...toCourseForm(saved), accessType: 'free', price: '12' });
    expect(body.priceCents).toBe(0);
    expect(changedFields({ ...toCourseForm(saved), accessType: 'free' }, saved)).toEqual({
      accessType: 'free',
      priceCents: 0,
    });
  });

  it('parses prices as typed', () => {
    expect(parsePriceCents('19.99')).toBe(1999);
    expect(parsePriceCents('19,5')).toBe(1950);
    expect(parsePriceCents(' 7 ')).toBe(700);
    expect(parsePriceCents('')).toBe(0);
    expect(parsePriceCents('1.999')).toBeNaN();
    expect(parsePriceCents('ten')).toBeNaN();
  });
});

describe('course errors', () => {
  it('maps API field names onto the form and marks lists with a bad item', () => {
    const errors = mapCourseErrors({ priceCents: 'Too low.', 'tags.1': 'Too long.', title: 'Required.' });
    expect(errors).toEqual({
      price: 'Too low.',
      'tags.1': 'Too long.',
      tags: 'One of the items needs a change (see below).',
      title: 'Required.',
    });
    expect(itemErrors(errors, 'tags')).toEqual({ 1: 'Too long.' });
    expect(itemErrors(errors, 'prerequisites')).toEqual({});
  });
});

describe('slugify', () => {
  it('folds accents and joins words with single hyphens', () => {
    expect(slugify('Café & Code 101')).toBe('cafe-code-101');
    expect(slugify('  --Hello,   World--  ')).toBe('hello-world');
  });
});
