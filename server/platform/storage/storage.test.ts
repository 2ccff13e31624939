import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startS3StandIn, type S3StandIn } from '../../../tests/helpers/s3-stand-in.ts';
import { createLocalStorage } from './local.ts';
import { createS3Storage } from './s3.ts';
import { deriveSigningKey, type ObjectStorage } from './storage.ts';

const body = (content: string) => Readable.from([Buffer.from(content)]);
const put = (storage: ObjectStorage, key: string, content: string) =>
  storage.put(key, body(content), {
    contentType: 'text/plain',
    size: Buffer.byteLength(content),
    contentDisposition: 'attachment; filename="a.txt"',
  });

describe('local storage', () => {
  let root: string;
  let clock = 1_700_000_000_000;
  const make = () =>
    createLocalStorage({
      root,
      signingKey: deriveSigningKey('s'.repeat(32)),
      contentPath: (key) => `/api/${key}/content`,
      now: () => clock,
    });
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'uw-storage-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('puts, heads, reads a range and deletes', async () => {
    const storage = make();
    await put(storage, 'files/one', '0123456789');
    expect(await storage.head('files/one')).toEqual({
      size: 10,
      contentType: 'text/plain',
      contentDisposition: 'attachment; filename="a.txt"',
    });
    const ranged = await storage.get('files/one', { start: 2, end: 5 });
    expect(await text(ranged!.body)).toBe('2345');
    expect(ranged!.info.size).toBe(10);
    expect(await text((await storage.get('files/one'))!.body)).toBe('0123456789');
    await storage.delete('files/one');
    expect(await storage.head('files/one')).toBeNull();
    expect(await storage.get('files/one')).toBeNull();
    await storage.delete('files/one'); // deleting twice is fine
    expect(readdirSync(join(root, 'tmp'))).toEqual([]); // no temporary file left behind
  });

  it('refuses a body of another size than announced, and keeps nothing of it', async () => {
    const storage = make();
    await expect(
      storage.put('files/short', body('abc'), { contentType: 'text/plain', size: 4 }),
    ).rejects.toThrow(/Expected 4 bytes/);
    expect(await storage.head('files/short')).toBeNull();
  });

  it.each(['../escape', '/etc/passwd', 'files/../../x', 'files\\x', 'Files/UPPER', 'a//b', ''])(
    'refuses the key %j',
    async (key) => {
      await expect(put(make(), key, 'x')).rejects.toThrow(/Invalid storage key/);
    },
  );

  it('signs read URLs that expire and cannot be altered', async () => {
    const storage = make();
    const url = new URL(await storage.signedReadUrl('files/abc', 300), 'http://x');
    expect(url.pathname).toBe('/api/files/abc/content');
    const expires = Number(url.searchParams.get('expires'));
    const signature = url.searchParams.get('signature')!;
    expect(expires).toBe(clock / 1000 + 300);
    expect(storage.verifySignedRead('files/abc', expires, signature)).toBe(true);
    expect(storage.verifySignedRead('files/abd', expires, signature)).toBe(false); // another file
    expect(storage.verifySignedRead('files/abc', expires + 1, signature)).toBe(false); // longer life
    const altered = `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;
    expect(storage.verifySignedRead('files/abc', expires, altered)).toBe(false);
    clock += 301_000;
    expect(storage.verifySignedRead('files/abc', expires, signature)).toBe(false); // expired
    const otherSecret = createLocalStorage({
      root,
      signingKey: deriveSigningKey('t'.repeat(32)),
      contentPath: (key) => key,
    });
    expect(otherSecret.verifySignedRead('files/abc', expires, signature)).toBe(false);
  });
});

describe('S3 storage (official client against the local S3 stand-in)', () => {
  let stand: S3StandIn;
  let storage: ObjectStorage;
  beforeAll(async () => {
    stand = await startS3StandIn();
    storage = createS3Storage({
      driver: 's3',
      endpoint: stand.endpoint,
      region: stand.region,
      bucket: stand.bucket,
      accessKeyId: stand.accessKeyId,
      secretAccessKey: stand.secretAccessKey,
      forcePathStyle: true,
    });
  });
  afterAll(() => stand?.close());
  afterEach(() => {
    stand.requests.length = 0;
  });

  it('puts with type and disposition, heads, reads a range, and deletes', async () => {
    await put(storage, 'files/s3-one', 'abcdefghij');
    expect(stand.requests).toEqual([`PUT /${stand.bucket}/files/s3-one`]);
    expect(stand.objects.get('files/s3-one')).toMatchObject({
      contentType: 'text/plain',
      contentDisposition: 'attachment; filename="a.txt"',
    });
    expect(await storage.head('files/s3-one')).toEqual({
      size: 10,
      contentType: 'text/plain',
      contentDisposition: 'attachment; filename="a.txt"',
    });
    const ranged = await storage.get('files/s3-one', { start: 3, end: 6 });
    expect(await text(ranged!.body)).toBe('defg');
    expect(ranged!.info.size).toBe(10);
    await storage.delete('files/s3-one');
    expect(await storage.head('files/s3-one')).toBeNull();
    expect(await storage.get('files/s3-one')).toBeNull();
  });

  it('presigns GETs the store honours, and refuses altered or expired ones', async () => {
    await put(storage, 'files/s3-two', 'presigned bytes');
    const url = await storage.signedReadUrl('files/s3-two', 60);
    expect(url).toContain('X-Amz-Signature=');
    expect(url).toContain('X-Amz-Expires=60');
    const ok = await fetch(url, { headers: { range: 'bytes=0-8' } });
    expect(ok.status).toBe(206);
    expect(await ok.text()).toBe('presigned');

    const tampered = url.replace('files/s3-two', 'files/s3-one');
    expect((await fetch(tampered)).status).toBe(403);
    const longer = url.replace('X-Amz-Expires=60', 'X-Amz-Expires=6000');
    expect((await fetch(longer)).status).toBe(403);

    const expired = await storage.signedReadUrl('files/s3-two', 1);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const response = await fetch(expired);
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('Request has expired');
  });

  it('control: the stand-in refuses a request signed with the wrong secret', async () => {
    const wrong = createS3Storage({
      driver: 's3',
      endpoint: stand.endpoint,
      region: stand.region,
      bucket: stand.bucket,
      accessKeyId: stand.accessKeyId,
      secretAccessKey: 'not-the-secret',
      forcePathStyle: true,
    });
    await expect(put(wrong, 'files/forged', 'x')).rejects.toThrow();
    expect(stand.objects.has('files/forged')).toBe(false);
  });
});
