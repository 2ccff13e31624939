import { describe, expect, it } from 'vitest';
import { lessonContentFromRow } from './landing.service.ts';

const row = {
  id: '11111111-1111-4111-8111-111111111111',
  courseId: '22222222-2222-4222-8222-222222222222',
  sectionId: '33333333-3333-4333-8333-333333333333',
  title: 'Welcome',
  description: null,
  contentType: 'video' as const,
  sortOrder: 0,
  durationSeconds: 60,
  isPreview: true,
  videoUrl: '/api/files/44444444-4444-4444-8444-444444444444',
  articleContent: '<img src=x onerror=alert(1)> **notes**',
  downloadableResources: [
    { name: 'Slides', url: 'https://files.example.test/s.pdf', size: 10, type: 'application/pdf' },
    { name: 'Local', url: '/api/files/55555555-5555-4555-8555-555555555555' },
    { name: 'Trap', url: 'javascript:alert(1)' },
    { name: 'Data', url: 'data:text/html,<script>alert(1)</script>' },
    { url: 'https://no-name.example.test' },
    'not an object',
  ],
};

describe('lessonContentFromRow', () => {
  it('keeps same-site and web URLs, renders the article safely, drops unsafe resources', () => {
    const lesson = lessonContentFromRow(row);
    expect(lesson.videoUrl).toBe(row.videoUrl);
    expect(lesson.articleHtml).toBe('<p>&lt;img src=x onerror=alert(1)&gt; <strong>notes</strong></p>\n');
    expect(lesson.resources).toEqual([
      { name: 'Slides', url: 'https://files.example.test/s.pdf', size: 10, type: 'application/pdf' },
      { name: 'Local', url: '/api/files/55555555-5555-4555-8555-555555555555', size: null, type: null },
    ]);
  });

  it('drops a video URL that is not http(s) or same-site', () => {
    for (const videoUrl of ['javascript:alert(1)', 'data:video/mp4;base64,AAAA', '//evil.example/v.mp4']) {
      expect(lessonContentFromRow({ ...row, videoUrl }).videoUrl).toBeNull();
    }
    expect(lessonContentFromRow({ ...row, videoUrl: null, articleContent: null })).toMatchObject({
      videoUrl: null,
      articleHtml: null,
    });
  });
});
