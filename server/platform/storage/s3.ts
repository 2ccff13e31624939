import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Readable } from 'node:stream';
import type { StorageConfig } from '../../config.ts';
import {
  assertSafeKey,
  type ByteRange,
  type ObjectStorage,
  type PutOptions,
  type StoredObjectInfo,
} from './storage.ts';

type S3Config = Extract<StorageConfig, { driver: 's3' }>;

/** True for "no such object" (GET answers NoSuchKey with a body; HEAD a bare 404). */
function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}

/** `bytes 0-9/100` → 100. */
function totalFromContentRange(contentRange: string | undefined): number | undefined {
  const total = contentRange ? /\/(\d+)$/.exec(contentRange)?.[1] : undefined;
  return total === undefined ? undefined : Number(total);
}

/**
 * Storage in an S3-compatible bucket through the official AWS SDK. Objects keep their content
 * type and disposition as S3 metadata, so presigned GETs are served with the right headers by
 * the store itself.
 */
export function createS3Storage(config: S3Config): ObjectStorage {
  const client = new S3Client({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    forcePathStyle: config.forcePathStyle,
    ...(config.accessKeyId && config.secretAccessKey
      ? { credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey } }
      : {}),
    // Checksums only where S3 requires them: many S3-compatible stores refuse the newer
    // aws-chunked uploads with trailing checksums that the SDK otherwise sends by default.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const Bucket = config.bucket;

  return {
    driver: 's3',

    async put(key: string, body: Readable, options: PutOptions) {
      assertSafeKey(key);
      await client.send(
        new PutObjectCommand({
          Bucket,
          Key: key,
          Body: body,
          ContentLength: options.size,
          ContentType: options.contentType,
          ...(options.contentDisposition ? { ContentDisposition: options.contentDisposition } : {}),
        }),
      );
    },

    async get(key: string, range?: ByteRange) {
      assertSafeKey(key);
      try {
        const out = await client.send(
          new GetObjectCommand({
            Bucket,
            Key: key,
            ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
          }),
        );
        const info: StoredObjectInfo = {
          size: totalFromContentRange(out.ContentRange) ?? out.ContentLength ?? 0,
          contentType: out.ContentType ?? 'application/octet-stream',
          contentDisposition: out.ContentDisposition,
        };
        return { body: out.Body as Readable, info };
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    },

    async head(key: string) {
      assertSafeKey(key);
      try {
        const out = await client.send(new HeadObjectCommand({ Bucket, Key: key }));
        return {
          size: out.ContentLength ?? 0,
          contentType: out.ContentType ?? 'application/octet-stream',
          contentDisposition: out.ContentDisposition,
        };
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    },

    async delete(key: string) {
      assertSafeKey(key);
      await client.send(new DeleteObjectCommand({ Bucket, Key: key }));
    },

    async signedReadUrl(key: string, ttlSeconds: number) {
      assertSafeKey(key);
      return getSignedUrl(client, new GetObjectCommand({ Bucket, Key: key }), { expiresIn: ttlSeconds });
    },
  };
}
