import { describe, expect, it } from 'vitest';
import {
  createLessonSchema,
  updateLessonSchema,
  type AuthoringLesson,
} from '../../../../contracts/authoring.ts';
import {
  durationOf,
  emptyLessonForm,
  formatBytes,
  mapLessonErrors,
  toCreateLessonBody,
  toLessonForm,
  toUpdateLessonBody,
} from './lesson-form.ts';

const video: AuthoringLesson = {
  id: '00000000-0000-4000-8000-000000000011',
  courseId: '00000000-0000-4000-8000-000000000001',
  sectionId: '00000000-0000-4000-8000-000000000021',
  title: 'Welcome',
  description: null,
  sortOrder: 0,
  contentType: 'video',
  isPreview: true,
  videoUrl: 'https://videos.example/welcome.mp4',
  videoDurationSeconds: 754,
  articleContent: null,
  downloadableResources: [
    { name: 'Slides', url: 'https://files.example/slides.pdf', size: 2048, type: 'application/pdf' },
  ],
  quizQuestionCount: null,
  updatedAt: '2026-11-25T10:00:00.000Z',
};

describe('lesson form', () => {
  it('shows a duration in minutes and seconds and sends it back in seconds', () => {
    const form = toLessonForm(video);
    expect([form.minutes, form.seconds]).toEqual(['12', '34']);
    const body = toCreateLessonBody(form);
    expect(body).toMatchObject({ contentType: 'video', videoDurationSeconds: 754, isPreview: true });
    expect(createLessonSchema.safeParse(body).success).toBe(true);
    expect(updateLessonSchema.safeParse(toUpdateLessonBody(form)).success).toBe(true);
  });

  it('reads durations as typed', () => {
    expect(durationOf('', '')).toBeNull();
    expect(durationOf('3', '')).toBe(180);
    expect(durationOf('', '45')).toBe(45);
    expect(durationOf('1.5', '0')).toBeNaN();
  });

  it('makes an article body; a video without a duration is refused by the schema', () => {
    const article = { ...emptyLessonForm('article'), title: 'Read me', articleContent: '# Hello' };
    expect(createLessonSchema.safeParse(toCreateLessonBody(article)).success).toBe(true);
    const noDuration = { ...toLessonForm(video), minutes: '', seconds: '' };
    const result = createLessonSchema.safeParse(toCreateLessonBody(noDuration));
    expect(result.success).toBe(false);
  });

  it('clears the video URL when an edit turns a video into another type', () => {
    const body = toUpdateLessonBody({
      ...toLessonForm(video),
      contentType: 'article',
      articleContent: 'Text',
    });
    expect(body).toMatchObject({ contentType: 'article', videoUrl: null, articleContent: 'Text' });
    expect(updateLessonSchema.safeParse(body).success).toBe(true);
  });

  it('keeps resource rows with something in them, sizes as numbers', () => {
    const form = {
      ...emptyLessonForm('resources'),
      title: 'Files',
      resources: [
        { name: 'Cheat sheet', url: 'https://files.example/c.pdf', size: '1536', type: 'application/pdf' },
        { name: '', url: '', size: '', type: '' },
      ],
    };
    const body = toCreateLessonBody(form);
    expect('downloadableResources' in body && body.downloadableResources).toEqual([
      { name: 'Cheat sheet', url: 'https://files.example/c.pdf', size: 1536, type: 'application/pdf' },
    ]);
    expect(createLessonSchema.safeParse(body).success).toBe(true);
    expect(createLessonSchema.safeParse({ ...body, downloadableResources: [] }).success).toBe(false);
  });

  it('maps API errors onto the duration boxes and resource rows', () => {
    expect(
      mapLessonErrors({ videoDurationSeconds: 'Required.', 'downloadableResources.0.url': 'Bad URL.' }),
    ).toEqual({
      duration: 'Required.',
      'resources.0.url': 'Bad URL.',
      resources: 'A file needs a change (see below).',
    });
  });

  it('creates a quiz lesson with only the common fields (its quiz is authored in the quiz editor)', () => {
    const body = toCreateLessonBody({ ...emptyLessonForm(), contentType: 'quiz', title: ' Check ' });
    expect(body).toEqual({ title: 'Check', description: null, isPreview: false, contentType: 'quiz' });
    expect(createLessonSchema.safeParse(body).success).toBe(true);
  });

  it('formats sizes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(50 * 1024 * 1024)).toBe('50 MB');
  });
});
