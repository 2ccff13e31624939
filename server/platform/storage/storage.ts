import { createHmac } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { StorageConfig } from '../../config.ts';
import { createLocalStorage } from './local.ts';
import { createS3Storage } from './s3.ts';

/** What the store knows about an object: enough to serve it without asking the database. */
export interface StoredObjectInfo {
  /** The whole object's size in bytes (also for a ranged read). */
  size: number;
  contentType: string;
  /** The Content-Disposition the object is served with (inline / attachment; filename=…). */
  contentDisposition: string | undefined;
}

export interface PutOptions {
  contentType: string;
  /** Exact size of the body in bytes; a body of another length is refused. */
  size: number;
  contentDisposition?: string;
}

/** Inclusive byte offsets, as in HTTP Range (`bytes=start-end`). */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Where uploaded files live. Keys are chosen by the server (`files/<uuid>`), never derived from a
 * user-supplied name. Two drivers: local disk (the default, under DATA_DIR/files) and any
 * S3-compatible store; STORAGE_DRIVER picks one.
 */
export interface ObjectStorage {
  readonly driver: 'local' | 's3';
  /** Stores `body` under `key`, replacing what was there. */
  put(key: string, body: Readable, options: PutOptions): Promise<void>;
  /** The object's bytes (only `range` of them when given), or null when there is no such object. */
  get(key: string, range?: ByteRange): Promise<{ body: Readable; info: StoredObjectInfo } | null>;
  /** The object's metadata, or null when there is no such object. */
  head(key: string): Promise<StoredObjectInfo | null>;
  /** Removes the object; removing a missing object is not an error. */
  delete(key: string): Promise<void>;
  /**
   * A URL that reads the object for `ttlSeconds` without any other credential: a presigned GET for
   * S3; for local disk a path of this server carrying an expiry and an HMAC (see LocalStorage).
   */
  signedReadUrl(key: string, ttlSeconds: number): Promise<string>;
}

export interface StorageOptions {
  /** The server secret (JWT_SECRET); the local driver's URL-signing key is derived from it. */
  secret: string;
  /** The path of this server that serves a local object by its key (the files module's content route). */
  localContentPath: (key: string) => string;
}

/** The store the configuration names. */
export function createStorage(config: StorageConfig, options: StorageOptions): ObjectStorage {
  if (config.driver === 's3') return createS3Storage(config);
  return createLocalStorage({
    root: config.dir,
    signingKey: deriveSigningKey(options.secret),
    contentPath: options.localContentPath,
  });
}

/** A key for signing file URLs only, so a signature can never double as a token or CSRF value. */
export function deriveSigningKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('usefulwriter:file-url-signing:v1').digest();
}

/** Storage keys are ours: lowercase letters, digits, `-`, `_`, single `/` and `.` between them. */
const SAFE_KEY = /^[a-z0-9]+(?:[/_.-][a-z0-9]+)*$/;

/** Throws unless `key` is a well-formed storage key (no `..`, no leading `/`, no backslash). */
export function assertSafeKey(key: string): void {
  if (key.length > 512 || !SAFE_KEY.test(key)) throw new Error(`Invalid storage key: ${JSON.stringify(key)}`);
}
