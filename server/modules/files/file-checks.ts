import { ALLOWED_TYPES, EXTENSIONS, TEXT_TYPES, type FilePurpose } from '../../../contracts/files.ts';

/** Longest stored file name, in characters (the CHECK on course_files.original_name). */
export const MAX_NAME_LENGTH = 200;

/**
 * A file name fit for display and for Content-Disposition: only the last path segment (either
 * slash), no control, bidirectional-override or zero-width characters, no leading dots or
 * spaces, at most 200 characters with the extension kept. Never used as a path: storage keys are
 * the file's id.
 */
export function sanitizeFileName(raw: string): string {
  const lastSegment = raw.split(/[/\\]/).pop() ?? '';
  let name = lastSegment
    .normalize('NFC')
    // C0/C1 controls (NUL included), bidi overrides and isolates, zero-width characters: matching
    // control characters is the point here.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, '')
    .replace(/\s+/g, ' ')
    .replace(/^[\s.]+/, '')
    .trim();
  if (name.length > MAX_NAME_LENGTH) {
    const dot = name.lastIndexOf('.');
    const ext = dot > 0 && name.length - dot <= 10 ? name.slice(dot) : '';
    name = Array.from(name.slice(0, name.length - ext.length)) // do not split a surrogate pair
      .slice(0, MAX_NAME_LENGTH - ext.length)
      .join('')
      .trimEnd()
      .concat(ext);
  }
  return name || 'file';
}

/** The lowercase extension of a name ('' when it has none). */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

/** file-type names some allowed formats by a variant; we store and serve the common name. */
const CANONICAL_TYPE: Record<string, string> = {
  'video/x-m4v': 'video/mp4',
  'audio/x-m4a': 'audio/mp4',
  'image/apng': 'image/png',
};

/** What the bytes say, as far as the upload could tell. */
export interface Sniffed {
  /** The MIME type file-type detected from magic bytes, if any. */
  detected: string | undefined;
  /** True when the whole content is valid UTF-8 without NUL bytes (text has no magic bytes). */
  isText: boolean;
  /** The first bytes of the content, to refuse markup posing as plain text. */
  head: Buffer;
}

export type TypeDecision = { ok: true; contentType: string; name: string } | { ok: false; message: string };

/** Markup that a browser would render if it ever sniffed the file: refused even as plain text. */
const MARKUP = /^(?:\ufeff)?\s*<(?:!doctype\s+html|html|head|body|script|svg|\?xml|iframe)\b/i;

/**
 * Decides a file's content type from its bytes against the purpose's allowlist, and checks the
 * name's extension agrees with it (a name without one gets the type's extension). Whatever the
 * name claims, content that is not an allowed type is refused.
 */
export function decideContentType(purpose: FilePurpose, sniffed: Sniffed, name: string): TypeDecision {
  const allowed = ALLOWED_TYPES[purpose];
  const ext = extensionOf(name);
  let contentType: string;
  if (sniffed.detected) {
    contentType = CANONICAL_TYPE[sniffed.detected] ?? sniffed.detected;
    if (!allowed.includes(contentType)) {
      return {
        ok: false,
        message: `This file is ${contentType}, which is not accepted here (${describe(purpose)}).`,
      };
    }
  } else {
    const textType = TEXT_TYPES.find((type) => EXTENSIONS[type]!.includes(ext));
    const textAllowed = allowed.some((type) => (TEXT_TYPES as readonly string[]).includes(type));
    if (!sniffed.isText || !textAllowed || !textType || MARKUP.test(sniffed.head.toString('utf8'))) {
      return {
        ok: false,
        message: `The content of this file is not a recognised ${describe(purpose)} file${ext ? `, whatever its .${ext} name says` : ''}.`,
      };
    }
    contentType = textType;
  }
  const extensions = EXTENSIONS[contentType] ?? [];
  if (!ext) return { ok: true, contentType, name: `${name}.${extensions[0]}`.slice(-MAX_NAME_LENGTH) };
  if (!extensions.includes(ext)) {
    return {
      ok: false,
      message: `The file's name ends in .${ext}, but its content is ${contentType}; rename it to .${extensions[0]}.`,
    };
  }
  return { ok: true, contentType, name };
}

function describe(purpose: FilePurpose): string {
  switch (purpose) {
    case 'course_thumbnail':
      return 'image: PNG, JPEG, WebP or GIF';
    case 'course_preview_video':
    case 'lesson_video':
      return 'video: MP4 or WebM';
    case 'lesson_resource':
      return 'resource: PDF, ZIP, image, audio, or plain text, Markdown or CSV';
  }
}

/** Images and videos play in the page; resources are downloads, under their sanitised name. */
export function contentDispositionFor(purpose: FilePurpose, name: string): string {
  if (purpose !== 'lesson_resource') return 'inline';
  // RFC 6266: an ASCII fallback plus the exact UTF-8 name; both free of quotes and controls.
  const fallback = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%]/g, '_');
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeRfc5987(name)}`;
}

function encodeRfc5987(value: string): string {
  return encodeURIComponent(value).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** A parsed Range header: a satisfiable range, none (serve everything), or unsatisfiable (416). */
export type RangeRequest =
  { kind: 'none' } | { kind: 'range'; start: number; end: number } | { kind: 'unsatisfiable' };

/**
 * Parses a single-range `Range: bytes=…` header against an object of `size` bytes (RFC 9110
 * §14.1.2). Several ranges, other units or a malformed header are ignored (the whole object is
 * served, as the RFC allows); a well-formed range that starts past the end is unsatisfiable.
 */
export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (!header) return { kind: 'none' };
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return { kind: 'none' };
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'range', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (match[2] !== '' && Number(match[2]) < start) return { kind: 'none' }; // invalid: ignore it
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'range', start, end };
}
