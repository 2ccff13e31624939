import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeDb, TEST_JWT_SECRET, testConfig } from '../../../tests/helpers/test-app.ts';
import { buildApp, type App } from '../../app.ts';
import { signAccessToken } from '../../platform/auth.ts';
import { MARKDOWN_PREVIEW_MAX_CHARS } from '../../../contracts/markdown.ts';

let app: App;
let token: string;

beforeAll(async () => {
  // Rendering touches no database: a fake one proves it (any use would throw).
  app = buildApp({ config: testConfig(), db: fakeDb() });
  await app.ready();
  token = await signAccessToken(TEST_JWT_SECRET, { id: randomUUID() }, 60);
});

afterAll(async () => {
  await app?.close();
});

function preview(payload: unknown, headers: Record<string, string> = { authorization: `Bearer ${token}` }) {
  return app.inject({
    method: 'POST',
    url: '/api/markdown/preview',
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
}

describe('POST /api/markdown/preview', () => {
  it('renders sanitised HTML for a signed-in user, uncached', async () => {
    const res = await preview({ markdown: '# Hi\n\n<script>alert(1)</script> [x](javascript:alert(1))' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const { html } = res.json<{ html: string }>();
    expect(html).toContain('<h1>Hi</h1>');
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('href="javascript');
  });

  it('refuses anonymous callers with 401', async () => {
    const res = await preview({ markdown: 'x' }, {});
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('unauthorized');
  });

  it('accepts the longest allowed Markdown and refuses one character more', async () => {
    const ok = await preview({ markdown: 'a'.repeat(MARKDOWN_PREVIEW_MAX_CHARS) });
    expect(ok.statusCode).toBe(200);
    const tooLong = await preview({ markdown: 'a'.repeat(MARKDOWN_PREVIEW_MAX_CHARS + 1) });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json().error.code).toBe('validation_failed');
  });

  it('refuses a body beyond its small limit before parsing it', async () => {
    const res = await preview({ markdown: 'a'.repeat(1_000_000) });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('payload_too_large');
  });

  it('refuses unknown fields and missing markdown', async () => {
    expect((await preview({ markdown: 'x', html: '<b>' })).statusCode).toBe(400);
    expect((await preview({})).statusCode).toBe(400);
  });
});
