import { createHmac, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { safeEqual } from '../auth.ts';
import {
  assertSafeKey,
  type ByteRange,
  type ObjectStorage,
  type PutOptions,
  type StoredObjectInfo,
} from './storage.ts';

export interface LocalStorageOptions {
  /** The directory that holds everything (DATA_DIR/files): objects/<key> and meta/<key>.json. */
  root: string;
  /** HMAC key for signed read URLs (derived from the server secret). */
  signingKey: Buffer;
  /** The path of this server that serves an object by its key. */
  contentPath: (key: string) => string;
  /** The clock of URL expiry; tests pin it. */
  now?: () => number;
}

export interface LocalStorage extends ObjectStorage {
  readonly driver: 'local';
  /**
   * True when `signature` is this server's signature of `key` until `expires` (Unix seconds) and
   * that moment has not passed. The content route calls it: the signed URL is the only credential.
   */
  verifySignedRead(key: string, expires: number, signature: string): boolean;
}

/** Local-disk storage under `root`. Writes go to a temporary file first, then rename into place. */
export function createLocalStorage(options: LocalStorageOptions): LocalStorage {
  const root = resolve(options.root);
  const now = options.now ?? (() => Date.now());

  /** The file for a key, proven to lie inside root (the key check already forbids `..`). */
  function pathOf(area: 'objects' | 'meta', key: string, suffix = ''): string {
    assertSafeKey(key);
    const base = join(root, area);
    const path = resolve(base, key + suffix);
    if (!path.startsWith(base + sep)) throw new Error(`Storage key escapes the storage root: ${key}`);
    return path;
  }

  const sign = (key: string, expires: number) =>
    createHmac('sha256', options.signingKey).update(`${key}\n${expires}`).digest('base64url');

  async function readInfo(key: string): Promise<StoredObjectInfo | null> {
    try {
      const [meta, stats] = await Promise.all([
        readFile(pathOf('meta', key, '.json'), 'utf8'),
        stat(pathOf('objects', key)),
      ]);
      const parsed = JSON.parse(meta) as { contentType: string; contentDisposition?: string };
      return {
        size: stats.size,
        contentType: parsed.contentType,
        contentDisposition: parsed.contentDisposition,
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  return {
    driver: 'local',

    async put(key: string, body: Readable, put: PutOptions) {
      const target = pathOf('objects', key);
      const metaPath = pathOf('meta', key, '.json');
      const tmpDir = join(root, 'tmp');
      await Promise.all([
        mkdir(dirname(target), { recursive: true }),
        mkdir(dirname(metaPath), { recursive: true }),
      ]);
      await mkdir(tmpDir, { recursive: true });
      const tmp = join(tmpDir, randomUUID());
      let written = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          written += chunk.length;
          done(null, chunk);
        },
      });
      try {
        await pipeline(body, counter, createWriteStream(tmp, { flags: 'wx', mode: 0o600 }));
        if (written !== put.size) throw new Error(`Expected ${put.size} bytes, got ${written}`);
        await writeFile(
          metaPath,
          JSON.stringify({ contentType: put.contentType, contentDisposition: put.contentDisposition }),
          { mode: 0o600 },
        );
        await rename(tmp, target);
      } finally {
        await rm(tmp, { force: true });
      }
    },

    async get(key: string, range?: ByteRange) {
      const info = await readInfo(key);
      if (!info) return null;
      const body = createReadStream(
        pathOf('objects', key),
        range ? { start: range.start, end: range.end } : {},
      );
      return { body, info };
    },

    head: readInfo,

    async delete(key: string) {
      await rm(pathOf('objects', key), { force: true });
      await rm(pathOf('meta', key, '.json'), { force: true });
    },

    async signedReadUrl(key: string, ttlSeconds: number) {
      assertSafeKey(key);
      const expires = Math.floor(now() / 1000) + ttlSeconds;
      const query = new URLSearchParams({ expires: String(expires), signature: sign(key, expires) });
      return `${options.contentPath(key)}?${query}`;
    },

    verifySignedRead(key: string, expires: number, signature: string) {
      if (!Number.isSafeInteger(expires) || expires * 1000 <= now()) return false;
      return safeEqual(signature, sign(key, expires));
    },
  };
}
