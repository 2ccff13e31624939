import type { AuthoringCourse, UpdateCourseInput } from '../../../../contracts/authoring.ts';

/**
 * The course details form: its state (text as typed), the PATCH body it makes (only the fields
 * that changed), and the server's field errors mapped back onto its inputs. Pure, so it is tested
 * without a browser.
 */

/** Suggestions only: a category is free text. */
export const CATEGORIES = [
  'programming',
  'data',
  'design',
  'business',
  'marketing',
  'writing',
  'languages',
  'music',
];

/** Course languages offered first (any BCP 47 tag is accepted). */
export const LANGUAGES: Array<[string, string]> = [
  ['en', 'English'],
  ['es', 'Spanish'],
  ['fr', 'French'],
  ['de', 'German'],
  ['it', 'Italian'],
  ['pt-BR', 'Portuguese (Brazil)'],
  ['pt', 'Portuguese'],
  ['nl', 'Dutch'],
  ['pl', 'Polish'],
  ['ja', 'Japanese'],
  ['zh', 'Chinese'],
];

export interface CourseFormState {
  title: string;
  subtitle: string;
  slug: string;
  description: string;
  thumbnailUrl: string;
  previewVideoUrl: string;
  category: string;
  subcategory: string;
  tags: string[];
  difficultyLevel: AuthoringCourse['difficultyLevel'];
  accessType: AuthoringCourse['accessType'];
  /** In currency units as typed: "19.99". */
  price: string;
  hasCertificate: boolean;
  language: string;
  captionsAvailable: string[];
  prerequisites: string[];
  learningOutcomes: string[];
  targetAudience: string;
  metaDescription: string;
  metaKeywords: string[];
}

export function toCourseForm(course: AuthoringCourse): CourseFormState {
  return {
    title: course.title,
    subtitle: course.subtitle ?? '',
    slug: course.slug,
    description: course.description,
    thumbnailUrl: course.thumbnailUrl ?? '',
    previewVideoUrl: course.previewVideoUrl ?? '',
    category: course.category,
    subcategory: course.subcategory ?? '',
    tags: course.tags,
    difficultyLevel: course.difficultyLevel,
    accessType: course.accessType,
    price: course.priceCents === 0 ? '0' : (course.priceCents / 100).toFixed(2),
    hasCertificate: course.hasCertificate,
    language: course.language,
    captionsAvailable: course.captionsAvailable,
    prerequisites: course.prerequisites,
    learningOutcomes: course.learningOutcomes,
    targetAudience: course.targetAudience ?? '',
    metaDescription: course.metaDescription ?? '',
    metaKeywords: course.metaKeywords,
  };
}

/** "19.99" → 1999; "" → 0; anything that is not an amount → NaN (the schema then says so). */
export function parsePriceCents(text: string): number {
  const trimmed = text.trim().replace(',', '.');
  if (trimmed === '') return 0;
  if (!/^\d+(\.\d{1,2})?$/.test(trimmed)) return Number.NaN;
  return Math.round(Number(trimmed) * 100);
}

const orNull = (text: string) => (text.trim() === '' ? null : text.trim());
/** Empty rows of a list input are dropped rather than refused. */
const cleanList = (items: string[]) => items.map((item) => item.trim()).filter(Boolean);

/** Every field as the API takes it. */
export function toCourseBody(form: CourseFormState): Required<UpdateCourseInput> {
  return {
    title: form.title.trim(),
    subtitle: orNull(form.subtitle),
    slug: form.slug.trim(),
    description: form.description.trim(),
    thumbnailUrl: orNull(form.thumbnailUrl),
    previewVideoUrl: orNull(form.previewVideoUrl),
    category: form.category.trim(),
    subcategory: orNull(form.subcategory),
    tags: cleanList(form.tags),
    difficultyLevel: form.difficultyLevel,
    accessType: form.accessType,
    priceCents: form.accessType === 'free' ? 0 : parsePriceCents(form.price),
    hasCertificate: form.hasCertificate,
    language: form.language.trim(),
    captionsAvailable: cleanList(form.captionsAvailable),
    prerequisites: cleanList(form.prerequisites),
    learningOutcomes: cleanList(form.learningOutcomes),
    targetAudience: orNull(form.targetAudience),
    metaDescription: orNull(form.metaDescription),
    metaKeywords: cleanList(form.metaKeywords),
  };
}

/**
 * The PATCH body: only what differs from the saved course. The slug in particular is sent only
 * when the author changed it, since a new slug breaks old links.
 */
export function changedFields(form: CourseFormState, saved: AuthoringCourse): UpdateCourseInput {
  const next = toCourseBody(form);
  const before = toCourseBody(toCourseForm(saved));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(next) as Array<keyof typeof next>) {
    if (JSON.stringify(next[key]) !== JSON.stringify(before[key])) out[key] = next[key];
  }
  return out as UpdateCourseInput;
}

export function isCourseFormDirty(form: CourseFormState, saved: AuthoringCourse): boolean {
  return Object.keys(changedFields(form, saved)).length > 0;
}

/** API field names that the form calls differently. */
const FIELD_ALIASES: Record<string, string> = { priceCents: 'price' };

/**
 * Field errors by form input: `priceCents` → `price`; list items (`tags.2`) stay as they are
 * (the list input shows them on the item) and also mark the list itself.
 */
export function mapCourseErrors(errors: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, message] of Object.entries(errors)) {
    const [head = path, ...rest] = path.split('.');
    const field = FIELD_ALIASES[head] ?? head;
    const key = rest.length ? `${field}.${rest.join('.')}` : field;
    out[key] ??= message;
    if (rest.length) out[field] ??= 'One of the items needs a change (see below).';
  }
  return out;
}

/** The errors of one list's items, by index: `{ 'tags.2': '…' }` → `{ 2: '…' }`. */
export function itemErrors(errors: Record<string, string>, field: string): Record<number, string> {
  const out: Record<number, string> = {};
  for (const [key, message] of Object.entries(errors)) {
    const match = new RegExp(`^${field}\\.(\\d+)$`).exec(key);
    if (match) out[Number(match[1])] = message;
  }
  return out;
}

/** The address a course's landing page has for a slug. */
export function landingPath(slug: string): string {
  return `/courses/${slug}`;
}

/** A title as a slug, the way the server makes one: "Café & Code 101" → "cafe-code-101". */
export function slugify(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 120)
    .replace(/-+$/g, '');
}
