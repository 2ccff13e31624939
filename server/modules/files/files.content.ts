import type { FastifyReply } from 'fastify';
import { AppError } from '../../platform/errors.ts';
import type { LocalStorage } from '../../platform/storage/local.ts';
import { parseRange } from './file-checks.ts';
import { storageKeyFor } from './files.service.ts';

/** Nothing in a served file may run, load or frame anything, whatever a browser makes of it. */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; media-src 'self'; img-src 'self'; style-src 'unsafe-inline'; sandbox";

const invalidLink = () =>
  new AppError('not_found', 'This file link is invalid or has expired; open the file again from its page.');

/**
 * Serves a locally stored file to whoever holds a valid signed URL (no session: <video> elements
 * and downloads send none), with single-range support so players can seek. The signature is
 * checked before anything is looked up, so a bad link says nothing about what exists.
 */
export async function serveLocalContent(
  link: { id: string; expires: string | undefined; signature: string | undefined; range: string | undefined },
  reply: FastifyReply,
  storage: LocalStorage,
) {
  const { expires, signature } = link;
  const key = storageKeyFor(link.id);
  const expiresAt = /^\d{1,12}$/.test(expires ?? '') ? Number(expires) : NaN;
  if (!signature || !storage.verifySignedRead(key, expiresAt, signature)) throw invalidLink();

  const info = await storage.head(key);
  if (!info) throw new AppError('not_found', 'No such file.');
  reply
    .header('accept-ranges', 'bytes')
    .header(
      'content-type',
      info.contentType.startsWith('text/') ? `${info.contentType}; charset=utf-8` : info.contentType,
    )
    .header('content-disposition', info.contentDisposition ?? 'inline')
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('cross-origin-resource-policy', 'same-origin')
    // The URL dies at `expires`: a cache may keep the response as long, not longer.
    .header('cache-control', `private, max-age=${Math.max(0, expiresAt - Math.floor(Date.now() / 1000))}`);

  const range = parseRange(link.range, info.size);
  if (range.kind === 'unsatisfiable') {
    reply.header('content-range', `bytes */${info.size}`);
    throw new AppError(
      'range_not_satisfiable',
      `The file has ${info.size} bytes; the requested range is outside it.`,
    );
  }
  const found = await storage.get(key, range.kind === 'range' ? range : undefined);
  if (!found) throw new AppError('not_found', 'No such file.');
  if (range.kind === 'range') {
    reply
      .code(206)
      .header('content-range', `bytes ${range.start}-${range.end}/${info.size}`)
      .header('content-length', String(range.end - range.start + 1));
  } else {
    reply.code(200).header('content-length', String(info.size));
  }
  return reply.send(found.body);
}
