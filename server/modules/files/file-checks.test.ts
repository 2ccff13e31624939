import { describe, expect, it } from 'vitest';
import {
  contentDispositionFor,
  decideContentType,
  parseRange,
  sanitizeFileName,
  type Sniffed,
} from './file-checks.ts';

const text = (content: string): Sniffed => ({
  detected: undefined,
  isText: true,
  head: Buffer.from(content),
});
const binary = (mime: string): Sniffed => ({ detected: mime, isText: false, head: Buffer.alloc(0) });

describe('sanitizeFileName', () => {
  it.each([
    ['../../etc/passwd.pdf', 'passwd.pdf'],
    ['..\\..\\windows\\system32\\evil.pdf', 'evil.pdf'],
    ['C:\\Users\\me\\notes.txt', 'notes.txt'],
    ['evil\u0000.pdf', 'evil.pdf'],
    ['line\r\nbreak.txt', 'linebreak.txt'],
    ['invoice\u202Efdp.exe', 'invoicefdp.exe'],
    ['...hidden', 'hidden'],
    ['  spaced   out .md ', 'spaced out .md'],
    ['', 'file'],
    ['../', 'file'],
    ['\u0000\u0001', 'file'],
  ])('%j → %j', (raw, expected) => {
    expect(sanitizeFileName(raw)).toBe(expected);
  });

  it('limits the length to 200 characters and keeps the extension', () => {
    const name = sanitizeFileName(`${'a'.repeat(500)}.pdf`);
    expect(name).toHaveLength(200);
    expect(name.endsWith('.pdf')).toBe(true);
  });
});

describe('decideContentType', () => {
  it('accepts detected types the purpose allows, with a matching extension', () => {
    expect(decideContentType('course_thumbnail', binary('image/png'), 'cover.png')).toEqual({
      ok: true,
      contentType: 'image/png',
      name: 'cover.png',
    });
    expect(decideContentType('lesson_video', binary('video/x-m4v'), 'intro.mp4')).toMatchObject({
      ok: true,
      contentType: 'video/mp4',
    });
    expect(decideContentType('lesson_resource', binary('application/pdf'), 'slides')).toMatchObject({
      ok: true,
      name: 'slides.pdf',
    });
  });

  it('refuses content the purpose does not allow, whatever the name says', () => {
    expect(decideContentType('course_thumbnail', binary('application/pdf'), 'cover.png').ok).toBe(false);
    expect(decideContentType('lesson_video', binary('image/png'), 'intro.mp4').ok).toBe(false);
    expect(decideContentType('lesson_resource', binary('application/x-msdownload'), 'x.pdf').ok).toBe(false);
  });

  it('refuses an extension that disagrees with the content', () => {
    const decision = decideContentType('lesson_resource', binary('image/png'), 'photo.pdf');
    expect(decision).toEqual({ ok: false, message: expect.stringContaining('rename it to .png') });
  });

  it('accepts text only for resources, only as UTF-8 without NUL, only under a text extension', () => {
    expect(decideContentType('lesson_resource', text('a,b\n1,2\n'), 'data.csv')).toMatchObject({
      ok: true,
      contentType: 'text/csv',
    });
    expect(decideContentType('lesson_resource', text('# Notes'), 'notes.md')).toMatchObject({
      contentType: 'text/markdown',
    });
    expect(decideContentType('lesson_resource', text('hello'), 'hello.pdf').ok).toBe(false);
    expect(decideContentType('course_thumbnail', text('hello'), 'hello.txt').ok).toBe(false);
    const notText = { detected: undefined, isText: false, head: Buffer.from([0xff, 0xfe]) };
    expect(decideContentType('lesson_resource', notText, 'blob.txt').ok).toBe(false);
  });

  it('refuses markup posing as text', () => {
    for (const markup of [
      '<!DOCTYPE html><p>x',
      '  <script>alert(1)</script>',
      '<svg onload=x>',
      '<?xml version="1.0"?>',
    ]) {
      expect(decideContentType('lesson_resource', text(markup), 'notes.txt').ok, markup).toBe(false);
    }
  });
});

describe('contentDispositionFor', () => {
  it('shows images and videos inline and downloads resources under an encoded name', () => {
    expect(contentDispositionFor('lesson_video', 'x.mp4')).toBe('inline');
    expect(contentDispositionFor('lesson_resource', 'Résumé "final".pdf')).toBe(
      `attachment; filename="R_sum_ _final_.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22.pdf`,
    );
  });
});

describe('parseRange', () => {
  it.each([
    [undefined, { kind: 'none' }],
    ['bytes=0-9', { kind: 'range', start: 0, end: 9 }],
    ['bytes=90-', { kind: 'range', start: 90, end: 99 }],
    ['bytes=95-200', { kind: 'range', start: 95, end: 99 }],
    ['bytes=-10', { kind: 'range', start: 90, end: 99 }],
    ['bytes=-500', { kind: 'range', start: 0, end: 99 }],
    ['bytes=100-', { kind: 'unsatisfiable' }],
    ['bytes=-0', { kind: 'unsatisfiable' }],
    ['bytes=0-1,5-6', { kind: 'none' }],
    ['items=0-1', { kind: 'none' }],
    ['bytes=9-1', { kind: 'none' }],
  ])('%s of 100 bytes → %j', (header, expected) => {
    expect(parseRange(header, 100)).toEqual(expected);
  });
});
