import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP server that speaks as much of the S3 protocol as the storage driver uses: path-style
 * PUT, GET (with Range), HEAD and DELETE of objects in one bucket, authenticated by AWS Signature
 * Version 4 — in the Authorization header, or in the query of a presigned GET — which it verifies
 * for real, so the official client runs unchanged against it. Anything else answers 501, and an
 * unsigned or badly signed request 403, so a test cannot pass by accident.
 */
export interface S3StandIn {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  objects: Map<string, StoredObject>;
  /** Every request as `METHOD /path` (query left out), for asserting what the client did. */
  requests: string[];
  close(): Promise<void>;
}

interface StoredObject {
  body: Buffer;
  contentType: string;
  contentDisposition: string | undefined;
}

const xmlError = (res: ServerResponse, status: number, code: string, message: string) => {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
  );
};

/** RFC 3986 encoding, as SigV4 wants it. */
const encode = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

function signature(
  secret: string,
  scope: { date: string; region: string; service: string },
  amzDate: string,
  canonicalRequest: string,
) {
  const credentialScope = `${scope.date}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, credentialScope, sha256(canonicalRequest)].join('\n');
  let key = hmac(`AWS4${secret}`, scope.date);
  key = hmac(key, scope.region);
  key = hmac(key, scope.service);
  key = hmac(key, 'aws4_request');
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

function canonicalQuery(params: [string, string][]) {
  return params
    .map(([k, v]) => [encode(k), encode(v)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function canonicalHeaders(req: IncomingMessage, signed: string[]) {
  return signed
    .map(
      (name) =>
        `${name}:${String(req.headers[name] ?? '')
          .trim()
          .replace(/\s+/g, ' ')}\n`,
    )
    .join('');
}

const same = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Checks the request's SigV4 signature; returns a reason when it is not valid. */
function verify(stand: S3StandIn, req: IncomingMessage, url: URL, body: Buffer): string | undefined {
  const path = url.pathname; // already URI-encoded as sent, which is what S3 signs
  const query = [...url.searchParams.entries()];
  if (url.searchParams.has('X-Amz-Signature')) {
    const p = url.searchParams;
    if (p.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') return 'bad algorithm';
    const [keyId, date, region, service] = (p.get('X-Amz-Credential') ?? '').split('/');
    if (keyId !== stand.accessKeyId) return 'unknown access key';
    const amzDate = p.get('X-Amz-Date') ?? '';
    const expires = Number(p.get('X-Amz-Expires'));
    const signedAt = Date.parse(
      amzDate.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'),
    );
    if (!Number.isFinite(signedAt) || !Number.isInteger(expires)) return 'bad date or expiry';
    if (Date.now() > signedAt + expires * 1000) return 'Request has expired';
    const signed = (p.get('X-Amz-SignedHeaders') ?? '').split(';');
    const canonical = [
      req.method,
      path,
      canonicalQuery(query.filter(([k]) => k !== 'X-Amz-Signature')),
      canonicalHeaders(req, signed),
      signed.join(';'),
      'UNSIGNED-PAYLOAD',
    ].join('\n');
    const expected = signature(
      stand.secretAccessKey,
      { date: date!, region: region!, service: service! },
      amzDate,
      canonical,
    );
    return same(expected, p.get('X-Amz-Signature') ?? '') ? undefined : 'SignatureDoesNotMatch';
  }
  const auth = /^AWS4-HMAC-SHA256 Credential=([^,]+), ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]+)$/.exec(
    req.headers.authorization ?? '',
  );
  if (!auth) return 'no signature';
  const [keyId, date, region, service] = auth[1]!.split('/');
  if (keyId !== stand.accessKeyId) return 'unknown access key';
  const signed = auth[2]!.split(';');
  const payloadHash = String(req.headers['x-amz-content-sha256'] ?? '');
  if (payloadHash !== 'UNSIGNED-PAYLOAD' && payloadHash !== sha256(body)) return 'payload hash mismatch';
  const canonical = [
    req.method,
    path,
    canonicalQuery(query),
    canonicalHeaders(req, signed),
    auth[2],
    payloadHash,
  ].join('\n');
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const expected = signature(
    stand.secretAccessKey,
    { date: date!, region: region!, service: service! },
    amzDate,
    canonical,
  );
  return same(expected, auth[3]!) ? undefined : 'SignatureDoesNotMatch';
}

/** Starts the stand-in on a free local port. */
export async function startS3StandIn(): Promise<S3StandIn> {
  const stand: S3StandIn = {
    endpoint: '',
    bucket: 'test-bucket',
    region: 'us-east-1',
    accessKeyId: 'AKIASTANDIN',
    secretAccessKey: 'stand-in-secret-key',
    objects: new Map(),
    requests: [],
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(stand, req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  stand.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stand.close = () => new Promise((done) => server.close(() => done()));
  return stand;
}

function handle(stand: S3StandIn, req: IncomingMessage, res: ServerResponse, body: Buffer) {
  const url = new URL(req.url ?? '/', stand.endpoint);
  stand.requests.push(`${req.method} ${url.pathname}`);
  const problem = verify(stand, req, url, body);
  if (problem)
    return xmlError(
      res,
      403,
      problem === 'Request has expired' ? 'AccessDenied' : 'SignatureDoesNotMatch',
      problem,
    );
  const prefix = `/${stand.bucket}/`;
  if (!url.pathname.startsWith(prefix)) return xmlError(res, 404, 'NoSuchBucket', 'no such bucket');
  const key = decodeURIComponent(url.pathname.slice(prefix.length));
  const object = stand.objects.get(key);

  switch (req.method) {
    case 'PUT': {
      if (req.headers['content-encoding']?.includes('aws-chunked'))
        return xmlError(res, 501, 'NotImplemented', 'aws-chunked uploads are not supported by the stand-in');
      stand.objects.set(key, {
        body,
        contentType: String(req.headers['content-type'] ?? 'binary/octet-stream'),
        contentDisposition: req.headers['content-disposition'],
      });
      res.writeHead(200, { etag: `"${createHash('md5').update(body).digest('hex')}"` });
      return res.end();
    }
    case 'HEAD':
    case 'GET': {
      if (!object) {
        if (req.method === 'HEAD') return res.writeHead(404).end();
        return xmlError(res, 404, 'NoSuchKey', 'The specified key does not exist.');
      }
      const headers: Record<string, string> = {
        'content-type': object.contentType,
        'accept-ranges': 'bytes',
      };
      if (object.contentDisposition) headers['content-disposition'] = object.contentDisposition;
      const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
      if (range && req.method === 'GET') {
        const start = Number(range[1]);
        const end = Math.min(range[2] ? Number(range[2]) : object.body.length - 1, object.body.length - 1);
        if (start >= object.body.length) return xmlError(res, 416, 'InvalidRange', 'range not satisfiable');
        const part = object.body.subarray(start, end + 1);
        res.writeHead(206, {
          ...headers,
          'content-length': String(part.length),
          'content-range': `bytes ${start}-${end}/${object.body.length}`,
        });
        return res.end(part);
      }
      res.writeHead(200, { ...headers, 'content-length': String(object.body.length) });
      return res.end(req.method === 'GET' ? object.body : undefined);
    }
    case 'DELETE':
      stand.objects.delete(key);
      return res.writeHead(204).end();
    default:
      return xmlError(res, 501, 'NotImplemented', `${req.method} is not supported by the stand-in`);
  }
}
