import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as f from '../../../tests/helpers/factories.ts';
import { startS3StandIn, type S3StandIn } from '../../../tests/helpers/s3-stand-in.ts';
import { TEST_JWT_SECRET, testConfig } from '../../../tests/helpers/test-app.ts';
import { createTestDatabase, type TestDatabase } from '../../../tests/helpers/test-db.ts';
import { buildApp, type App } from '../../app.ts';
import type { SessionUser } from '../../db/session.ts';
import { signAccessToken } from '../../platform/auth.ts';
import { createS3Storage } from '../../platform/storage/s3.ts';

// Upload checks and who reaches which file, through the HTTP API (app.inject) on a fresh database.

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
const MP4 = Buffer.concat([
  Buffer.from([0, 0, 0, 0x18]),
  Buffer.from('ftypisom'),
  Buffer.from([0, 0, 2, 0]),
  Buffer.from('isommp42'),
  Buffer.from('video bytes '.repeat(20)),
]);
const PDF = Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n');
const HTML = Buffer.from('<!DOCTYPE html><html><script>alert(document.cookie)</script></html>');
const SCRIPT = Buffer.from('#!/bin/sh\nrm -rf / --no-preserve-root\n');

let testDb: TestDatabase;
let app: App;
let dataDir: string;
const users = {} as Record<
  'owner' | 'other' | 'admin' | 'enrolled' | 'learner' | 'draftLearner',
  SessionUser
>;
let published: string; // X: published, paid
let draft: string;
let lesson: string; // a non-preview lesson of X
let previewLesson: string; // a preview lesson of X
let draftLesson: string; // a preview lesson of the draft course

beforeAll(async () => {
  testDb = await createTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), 'uw-files-'));
  await testDb.db.asSystem(async (tx) => {
    for (const [label, role] of [
      ['owner', 'instructor'],
      ['other', 'instructor'],
      ['admin', 'admin'],
      ['enrolled', 'student'],
      ['learner', 'student'],
      ['draftLearner', 'student'],
    ] as const) {
      users[label] = { id: (await f.createUser(tx, { role })).id };
    }
    published = await f.createCourse(tx, { instructorId: users.owner.id });
    draft = await f.createCourse(tx, { instructorId: users.owner.id, status: 'draft' });
    const section = await f.createSection(tx, { courseId: published });
    const draftSection = await f.createSection(tx, { courseId: draft });
    const noContent = { videoUrl: null, articleContent: null, downloadableResources: null };
    lesson = await f.createLesson(tx, { courseId: published, sectionId: section, content: noContent });
    previewLesson = await f.createLesson(tx, {
      courseId: published,
      sectionId: section,
      isPreview: true,
      content: noContent,
    });
    draftLesson = await f.createLesson(tx, {
      courseId: draft,
      sectionId: draftSection,
      isPreview: true,
      content: noContent,
    });
    await f.createEnrollment(tx, { userId: users.enrolled.id, courseId: published });
    // Enrolled in the draft course (by mistake or before it was unpublished): still no access.
    await f.createEnrollment(tx, { userId: users.draftLearner.id, courseId: draft });
  });
  app = buildApp({
    config: testConfig({ DATA_DIR: dataDir, UPLOAD_MAX_IMAGE_BYTES: '2000', FILE_URL_TTL_SECONDS: '60' }),
    db: testDb.db,
  });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await testDb?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const bearer = async (user?: SessionUser): Promise<Record<string, string>> =>
  user ? { authorization: `Bearer ${await signAccessToken(TEST_JWT_SECRET, user, 60)}` } : {};

interface FilePart {
  name: string;
  content: Buffer;
  type?: string;
}

/** A multipart/form-data body: fields first, then the file (as browsers send FormData in order). */
function multipart(fields: Record<string, string>, file?: FilePart) {
  const boundary = `----uw${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  }
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\n` +
          `Content-Type: ${file.type ?? 'application/octet-stream'}\r\n\r\n`,
        'latin1',
      ),
      file.content,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

async function upload(
  courseId: string,
  user: SessionUser | undefined,
  fields: Record<string, string>,
  file?: FilePart,
  target: App = app,
) {
  const { payload, contentType } = multipart(fields, file);
  return target.inject({
    method: 'POST',
    url: `/api/courses/${courseId}/files`,
    headers: { ...(await bearer(user)), 'content-type': contentType },
    payload,
  });
}

async function uploaded(courseId: string, fields: Record<string, string>, file: FilePart): Promise<string> {
  const res = await upload(courseId, users.owner, fields, file);
  expect(res.statusCode, res.body).toBe(201);
  return (res.json() as { id: string }).id;
}

const getFile = async (id: string, user?: SessionUser, target: App = app) =>
  target.inject({ method: 'GET', url: `/api/files/${id}`, headers: await bearer(user) });

/** Follows the redirect of GET /api/files/:id to the signed content route, as a browser would. */
async function fetchContent(id: string, user?: SessionUser, headers: Record<string, string> = {}) {
  const redirect = await getFile(id, user);
  expect(redirect.statusCode, redirect.body).toBe(302);
  return app.inject({ method: 'GET', url: redirect.headers.location as string, headers });
}

const storedObjects = () => {
  try {
    return readdirSync(join(dataDir, 'files', 'objects', 'files'));
  } catch {
    return [];
  }
};

describe('POST /api/courses/:courseId/files', () => {
  it('stores a thumbnail for its owner and answers with its URL and detected type', async () => {
    const res = await upload(
      published,
      users.owner,
      { purpose: 'course_thumbnail' },
      { name: 'cover.png', content: PNG, type: 'text/html' },
    );
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      url: `/api/files/${body.id}`,
      name: 'cover.png',
      sizeBytes: PNG.length,
      contentType: 'image/png', // from the bytes, not from the client's Content-Type
      purpose: 'course_thumbnail',
      lessonId: null,
    });
    expect(storedObjects()).toContain(body.id);
  });

  it('lets an admin upload, and refuses other instructors, learners (404) and visitors (401)', async () => {
    const file = { name: 'cover.png', content: PNG };
    expect((await upload(published, users.admin, { purpose: 'course_thumbnail' }, file)).statusCode).toBe(
      201,
    );
    const before = storedObjects().length;
    for (const user of [users.other, users.enrolled]) {
      const res = await upload(published, user, { purpose: 'course_thumbnail' }, file);
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
    expect((await upload(published, undefined, { purpose: 'course_thumbnail' }, file)).statusCode).toBe(401);
    expect(storedObjects()).toHaveLength(before);
  });

  it('refuses a file over the purpose’s limit with 413 file_too_large and keeps nothing', async () => {
    const before = storedObjects().length;
    const big = Buffer.concat([PNG, Buffer.alloc(2500)]);
    const res = await upload(
      published,
      users.owner,
      { purpose: 'course_thumbnail' },
      { name: 'big.png', content: big },
    );
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toMatchObject({ code: 'file_too_large', details: { limitBytes: 2000 } });
    expect(storedObjects()).toHaveLength(before);
    expect(res.headers.connection).toBe('close'); // the rest of a refused upload is not read
    // A declared length beyond every limit is refused before anything is read.
    const huge = await app.inject({
      method: 'POST',
      url: `/api/courses/${published}/files`,
      headers: {
        ...(await bearer(users.owner)),
        'content-type': 'multipart/form-data; boundary=x',
        'content-length': String(2 ** 40),
      },
      payload: '--x--\r\n',
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error.code).toBe('file_too_large');
    // The same bytes are fine as a resource (a larger limit): the limit is the purpose's.
    const asResource = await upload(
      published,
      users.owner,
      { purpose: 'lesson_resource' },
      { name: 'big.png', content: big },
    );
    expect(asResource.statusCode).toBe(201);
  });

  it.each([
    ['HTML named .png', 'course_thumbnail', 'cover.png', HTML],
    ['a script named .mp4', 'lesson_video', 'intro.mp4', SCRIPT],
    ['HTML named .pdf', 'lesson_resource', 'notes.pdf', HTML],
    ['a script named .pdf', 'lesson_resource', 'notes.pdf', SCRIPT],
    ['a PDF named .png', 'course_thumbnail', 'cover.png', PDF],
    ['a PNG named .pdf', 'lesson_resource', 'notes.pdf', PNG],
    ['a video as a thumbnail', 'course_thumbnail', 'cover.mp4', MP4],
    ['HTML named .txt', 'lesson_resource', 'notes.txt', HTML],
  ])('refuses %s with 415 file_type_not_allowed', async (_label, purpose, name, content) => {
    const before = storedObjects().length;
    const res = await upload(published, users.owner, { purpose }, { name, content, type: 'image/png' });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('file_type_not_allowed');
    expect(storedObjects()).toHaveLength(before);
  });

  it('accepts plain text, Markdown and CSV resources that are valid UTF-8', async () => {
    const res = await upload(
      published,
      users.owner,
      {},
      { name: 'data.csv', content: Buffer.from('a,b\n1,2\n') },
    );
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ contentType: 'text/csv', purpose: 'lesson_resource' });
    const binary = await upload(
      published,
      users.owner,
      {},
      { name: 'data.csv', content: Buffer.from([0x61, 0, 0x62]) },
    );
    expect(binary.statusCode).toBe(415);
  });

  it.each([
    ['../../etc/passwd.pdf', 'passwd.pdf'],
    ['..\\..\\..\\windows\\win.ini.pdf', 'win.ini.pdf'],
    ['/etc/cron.d/evil.pdf', 'evil.pdf'],
    ['evil\u0000.pdf', 'evil.pdf'],
  ])('stores %j under its own id, named %j, never as a path', async (raw, expected) => {
    const res = await upload(published, users.owner, {}, { name: raw, content: PDF });
    expect(res.statusCode, res.body).toBe(201);
    const { id, name } = res.json();
    expect(name).toBe(expected);
    expect(storedObjects()).toContain(id);
    // Nothing was written anywhere but DATA_DIR/files/{objects,meta,tmp}.
    expect(readdirSync(dataDir).sort()).toEqual(['files']);
    expect(readdirSync(join(dataDir, 'files')).sort()).toEqual(['meta', 'objects', 'tmp']);
    const row = await testDb.db.asSystem((tx) =>
      tx
        .selectFrom('courseFiles')
        .select(['storageKey', 'originalName'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow(),
    );
    expect(row).toEqual({ storageKey: `files/${id}`, originalName: expected });
    const download = await fetchContent(id, users.owner);
    expect(download.headers['content-disposition']).toBe(
      `attachment; filename="${expected}"; filename*=UTF-8''${expected}`,
    );
  });

  it('refuses a lesson of another course, an unknown purpose, stray fields and a missing file', async () => {
    const pdf = { name: 'a.pdf', content: PDF };
    const cases: [Record<string, string>, FilePart | undefined, string][] = [
      [{ lessonId: draftLesson }, pdf, 'validation_failed'],
      [{ purpose: 'avatar' }, pdf, 'validation_failed'],
      [{ path: '/etc' }, pdf, 'validation_failed'],
      [{ purpose: 'lesson_resource' }, undefined, 'validation_failed'],
    ];
    for (const [fields, file, code] of cases) {
      const res = await upload(published, users.owner, fields, file);
      expect(res.statusCode, JSON.stringify(fields)).toBe(400);
      expect(res.json().error.code).toBe(code);
    }
  });
});

describe('GET /api/files/:id: who reaches which file', () => {
  const anon = undefined;
  const reach = async (id: string, user: SessionUser | undefined) => (await getFile(id, user)).statusCode;

  it('files of an unpublished course reach nobody but its managers', async () => {
    const thumbnail = await uploaded(draft, { purpose: 'course_thumbnail' }, { name: 't.png', content: PNG });
    const preview = await uploaded(
      draft,
      { purpose: 'lesson_video', lessonId: draftLesson },
      { name: 'p.mp4', content: MP4 },
    );
    for (const id of [thumbnail, preview]) {
      expect(await reach(id, users.owner)).toBe(302);
      expect(await reach(id, users.admin)).toBe(302);
      for (const user of [anon, users.other, users.learner, users.draftLearner]) {
        const res = await getFile(id, user);
        expect(res.statusCode).toBe(404);
        expect(res.json().error.code).toBe('not_found');
      }
    }
  });

  it('a published course’s thumbnail reaches anyone', async () => {
    const id = await uploaded(published, { purpose: 'course_thumbnail' }, { name: 't.png', content: PNG });
    const res = await fetchContent(id, anon);
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.equals(PNG)).toBe(true);
    expect(res.headers).toMatchObject({ 'content-type': 'image/png', 'content-disposition': 'inline' });
  });

  it('a private lesson video reaches enrolled learners and managers, not other learners or visitors', async () => {
    const id = await uploaded(published, { purpose: 'lesson_video' }, { name: 'l.mp4', content: MP4 });
    // Not used by any lesson yet: managers only, even for the enrolled learner.
    expect(await reach(id, users.enrolled)).toBe(404);
    expect(await reach(id, users.owner)).toBe(302);
    await testDb.db.asSystem((tx) =>
      tx
        .updateTable('courseLessons')
        .set({ videoUrl: `/api/files/${id}` })
        .where('id', '=', lesson)
        .execute(),
    );
    const res = await fetchContent(id, users.enrolled);
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.equals(MP4)).toBe(true);
    expect(await reach(id, users.admin)).toBe(302);
    for (const user of [anon, users.learner, users.other]) expect(await reach(id, user)).toBe(404);
  });

  it('a preview lesson’s files reach visitors while the course is published', async () => {
    // Linked through the lesson's resources list…
    const viaUrl = await uploaded(published, {}, { name: 'sheet.pdf', content: PDF });
    await testDb.db.asSystem((tx) =>
      tx
        .updateTable('courseLessons')
        .set({ downloadableResources: JSON.stringify([{ name: 'Sheet', url: `/api/files/${viaUrl}` }]) })
        .where('id', '=', previewLesson)
        .execute(),
    );
    // …and through lesson_id at upload.
    const viaLessonId = await uploaded(
      published,
      { purpose: 'lesson_video', lessonId: previewLesson },
      { name: 'preview.mp4', content: MP4 },
    );
    for (const id of [viaUrl, viaLessonId]) {
      expect(await reach(id, anon)).toBe(302);
      expect(await reach(id, users.learner)).toBe(302);
    }
    expect((await fetchContent(viaUrl, anon)).rawPayload.equals(PDF)).toBe(true);
    // The same lesson, no longer a preview: visitors lose it.
    await testDb.db.asSystem((tx) =>
      tx.updateTable('courseLessons').set({ isPreview: false }).where('id', '=', previewLesson).execute(),
    );
    expect(await reach(viaLessonId, anon)).toBe(404);
    expect(await reach(viaLessonId, users.enrolled)).toBe(302);
    await testDb.db.asSystem((tx) =>
      tx.updateTable('courseLessons').set({ isPreview: true }).where('id', '=', previewLesson).execute(),
    );
  });

  it('unknown, malformed, deleted and unreadable files all answer the same 404', async () => {
    const id = await uploaded(published, { purpose: 'course_thumbnail' }, { name: 't.png', content: PNG });
    const del = await app.inject({
      method: 'DELETE',
      url: `/api/courses/${published}/files/${id}`,
      headers: await bearer(users.owner),
    });
    expect(del.statusCode).toBe(204);
    const deleted = await getFile(id, users.owner);
    const unknown = await getFile('00000000-0000-4000-8000-000000000000', anon);
    expect(deleted.statusCode).toBe(404);
    expect(unknown.statusCode).toBe(404);
    expect(deleted.json().error.message).toBe(unknown.json().error.message);
  });
});

describe('GET /api/files/:id/content: the signed URL', () => {
  let id: string;
  let location: URL;
  beforeAll(async () => {
    id = await uploaded(published, { purpose: 'course_thumbnail' }, { name: 't.png', content: PNG });
    const redirect = await getFile(id);
    expect(redirect.headers['cache-control']).toBe('no-store');
    location = new URL(redirect.headers.location as string, 'http://localhost');
    expect(location.pathname).toBe(`/api/files/${id}/content`);
  });
  const fetchUrl = (url: URL, headers: Record<string, string> = {}) =>
    app.inject({ method: 'GET', url: url.pathname + url.search, headers });
  const altered = (change: (params: URLSearchParams) => void, path = location.pathname) => {
    const url = new URL(path + location.search, 'http://localhost');
    change(url.searchParams);
    return url;
  };

  it('serves the bytes with safe headers, needing no session', async () => {
    const res = await fetchUrl(location);
    expect(res.statusCode).toBe(200);
    expect(res.headers).toMatchObject({
      'content-type': 'image/png',
      'content-length': String(PNG.length),
      'accept-ranges': 'bytes',
      'x-content-type-options': 'nosniff',
    });
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['content-security-policy']).toContain('sandbox');
  });

  it('serves byte ranges (206) and refuses unsatisfiable ones (416)', async () => {
    const part = await fetchUrl(location, { range: 'bytes=0-7' });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 0-7/${PNG.length}`);
    expect(part.rawPayload.equals(PNG.subarray(0, 8))).toBe(true);
    const tail = await fetchUrl(location, { range: 'bytes=-4' });
    expect(tail.statusCode).toBe(206);
    expect(tail.rawPayload.equals(PNG.subarray(PNG.length - 4))).toBe(true);
    const beyond = await fetchUrl(location, { range: `bytes=${PNG.length}-` });
    expect(beyond.statusCode).toBe(416);
    expect(beyond.headers['content-range']).toBe(`bytes */${PNG.length}`);
    expect(beyond.json().error.code).toBe('range_not_satisfiable');
  });

  it('refuses a tampered signature, a longer life, another file and a missing signature', async () => {
    const otherId = await uploaded(
      draft,
      { purpose: 'course_thumbnail' },
      { name: 'secret.png', content: PNG },
    );
    const tampered = [
      altered((p) => p.set('signature', `${p.get('signature')!.slice(0, -2)}xx`)),
      altered((p) => p.set('expires', String(Number(p.get('expires')) + 3600))),
      altered((p) => p.delete('signature')),
      altered(() => {}, `/api/files/${otherId}/content`), // the draft course's file with this file's signature
    ];
    for (const url of tampered) {
      const res = await fetchUrl(url);
      expect(res.statusCode, url.toString()).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
  });

  it('stops working once expired', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 61_000);
      expect((await fetchUrl(location)).statusCode).toBe(404);
    } finally {
      vi.useRealTimers();
    }
    expect((await fetchUrl(location)).statusCode).toBe(200); // control: the same URL, in time
  });
});

describe('GET and DELETE /api/courses/:courseId/files', () => {
  it('lists a course’s live files for its managers only, and only they delete', async () => {
    const id = await uploaded(draft, {}, { name: 'list-me.pdf', content: PDF });
    const list = async (user?: SessionUser) =>
      app.inject({ method: 'GET', url: `/api/courses/${draft}/files`, headers: await bearer(user) });
    const owned = await list(users.owner);
    expect(owned.statusCode).toBe(200);
    expect(owned.json().items.map((i: { id: string }) => i.id)).toContain(id);
    expect((await list(users.admin)).statusCode).toBe(200);
    expect((await list(users.other)).statusCode).toBe(404);
    expect((await list(users.draftLearner)).statusCode).toBe(404);
    expect((await list()).statusCode).toBe(401);

    const remove = async (user: SessionUser) =>
      app.inject({ method: 'DELETE', url: `/api/courses/${draft}/files/${id}`, headers: await bearer(user) });
    expect((await remove(users.other)).statusCode).toBe(404);
    expect((await remove(users.owner)).statusCode).toBe(204);
    expect((await remove(users.owner)).statusCode).toBe(404); // already in the trash
    expect((await list(users.owner)).json().items.map((i: { id: string }) => i.id)).not.toContain(id);
  });
});

describe('with STORAGE_DRIVER=s3 (the local S3 stand-in)', () => {
  let stand: S3StandIn;
  let s3App: App;
  beforeAll(async () => {
    stand = await startS3StandIn();
    const config = testConfig({
      DATA_DIR: dataDir,
      STORAGE_DRIVER: 's3',
      S3_ENDPOINT: stand.endpoint,
      S3_BUCKET: stand.bucket,
      S3_ACCESS_KEY_ID: stand.accessKeyId,
      S3_SECRET_ACCESS_KEY: stand.secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
    });
    if (config.storage.driver !== 's3') throw new Error('expected the S3 driver');
    s3App = buildApp({ config, db: testDb.db, storage: createS3Storage(config.storage) });
    await s3App.ready();
  });
  afterAll(async () => {
    await s3App?.close();
    await stand?.close();
  });

  it('uploads to the bucket and redirects readers to a presigned GET the store serves', async () => {
    const res = await upload(
      published,
      users.owner,
      { purpose: 'course_thumbnail' },
      { name: 'c.png', content: PNG },
      s3App,
    );
    expect(res.statusCode, res.body).toBe(201);
    const { id } = res.json();
    expect(stand.objects.get(`files/${id}`)).toMatchObject({
      contentType: 'image/png',
      contentDisposition: 'inline',
    });
    const redirect = await getFile(id, undefined, s3App);
    expect(redirect.statusCode).toBe(302);
    const location = redirect.headers.location as string;
    expect(location.startsWith(`${stand.endpoint}/${stand.bucket}/files/${id}?`)).toBe(true);
    const fetched = await fetch(location, { headers: { range: 'bytes=0-7' } });
    expect(fetched.status).toBe(206);
    expect(Buffer.from(await fetched.arrayBuffer()).equals(PNG.subarray(0, 8))).toBe(true);
    // The local content route does not exist for an S3 store.
    const local = await s3App.inject({
      method: 'GET',
      url: `/api/files/${id}/content?expires=1&signature=x`,
    });
    expect(local.statusCode).toBe(404);
  });
});
