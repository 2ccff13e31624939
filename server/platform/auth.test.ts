import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTokenVerifier, signAccessToken } from './auth.ts';

const SECRET = 'a-test-secret-that-is-at-least-32-characters';
const key = new TextEncoder().encode(SECRET);
const user = { id: '6f1d8c1e-2a43-4b7e-9d36-0d6a2f1b9c11', email: 'ada@example.test' };

describe('createTokenVerifier', () => {
  afterEach(() => vi.useRealTimers());

  it('verifies a token once and answers the same claims from memory afterwards', async () => {
    const verify = createTokenVerifier(key);
    const token = await signAccessToken(SECRET, user, 600, 'd31e9d52-253e-4716-8b50-7118d232c86b');
    const first = await verify(token);
    expect(first?.user.id).toBe(user.id);
    expect(first?.sessionId).toBe('d31e9d52-253e-4716-8b50-7118d232c86b');
    expect(await verify(token)).toBe(first);
  });

  it('refuses an altered token even after the original was verified', async () => {
    const verify = createTokenVerifier(key);
    const token = await signAccessToken(SECRET, user, 600);
    await verify(token);
    const [header, payload, signature] = token.split('.');
    const forged = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    forged.sub = '00000000-0000-4000-8000-000000000001';
    const altered = `${header}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${signature}`;
    await expect(verify(altered)).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('refuses a token signed with another secret', async () => {
    const verify = createTokenVerifier(key);
    const token = await signAccessToken('another-secret-that-is-at-least-32-characters', user, 600);
    await expect(verify(token)).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('stops answering from memory once the token has expired', async () => {
    const verify = createTokenVerifier(key);
    const token = await signAccessToken(SECRET, user, 60);
    expect((await verify(token))?.user.id).toBe(user.id);
    vi.useFakeTimers({ now: Date.now() + 120_000, toFake: ['Date'] });
    await expect(verify(token)).rejects.toMatchObject({ code: 'unauthorized' });
  });
});
