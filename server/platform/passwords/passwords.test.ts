import { scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashDemoPassword } from '../../seed/demo-password.ts';
import {
  commonPasswordCount,
  createPasswordHasher,
  newPasswordProblem,
  OWASP_ARGON2_MINIMUM,
} from './passwords.ts';

describe('password hashing', () => {
  const fast = createPasswordHasher({ memoryKib: 256, timeCost: 1 });

  it('stores argon2id PHC strings at the configured cost, salted', async () => {
    const owasp = createPasswordHasher(OWASP_ARGON2_MINIMUM);
    const hash = await owasp.hash('correct horse battery');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    expect(await owasp.hash('correct horse battery')).not.toBe(hash);
    expect(await owasp.verify(hash, 'correct horse battery')).toEqual({ ok: true, needsRehash: false });
    expect(await owasp.verify(hash, 'correct horse batterY')).toEqual({ ok: false, needsRehash: false });
  });

  it('compares Unicode passwords after NFKC normalisation', async () => {
    const hash = await fast.hash('café-au-lait'); // precomposed é
    expect((await fast.verify(hash, 'cafe\u0301-au-lait')).ok).toBe(true); // e + combining accent
  });

  it('asks for a rehash when the stored hash is weaker than the current cost', async () => {
    const weak = await fast.hash('pass-phrase-1');
    const strong = createPasswordHasher(OWASP_ARGON2_MINIMUM);
    expect(await strong.verify(weak, 'pass-phrase-1')).toEqual({ ok: true, needsRehash: true });
    expect(await strong.verify(weak, 'wrong')).toEqual({ ok: false, needsRehash: false });
  });

  it('refuses missing and malformed hashes (after a dummy verification)', async () => {
    for (const stored of [null, undefined, '', 'plain-text', '$2b$10$bcrypt-is-not-accepted']) {
      expect(await fast.verify(stored, 'anything')).toEqual({ ok: false, needsRehash: false });
    }
  });

  it('accepts the scrypt hashes of demo accounts seeded before argon2id, once, for a rehash', async () => {
    const legacy =
      'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$' +
      scryptSync('demo-pass', Buffer.alloc(16), 32, { N: 16384, r: 8, p: 1 }).toString('base64url');
    expect(await fast.verify(legacy, 'demo-pass')).toEqual({ ok: true, needsRehash: true });
    expect(await fast.verify(legacy, 'other-pass')).toEqual({ ok: false, needsRehash: false });
  });

  it('hashes demo passwords with argon2id at the OWASP cost', async () => {
    expect(await hashDemoPassword('demo-password')).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });
});

describe('new-password rules', () => {
  it('ship a list of at least 10,000 common passwords', () => {
    expect(commonPasswordCount()).toBeGreaterThanOrEqual(10_000);
  });

  it('refuse common passwords whatever their case', () => {
    for (const password of ['password', 'PASSWORD1', '12345678', 'iloveyou', 'qwertyuiop']) {
      expect(newPasswordProblem(password), password).toMatch(/most common passwords/);
    }
  });

  it('refuse the account’s own address and one repeated character', () => {
    expect(newPasswordProblem('Ada.Lovelace@example.org', 'ada.lovelace@example.org')).toMatch(/email/);
    expect(newPasswordProblem('ada.lovelace', 'ada.lovelace@example.org')).toMatch(/email/);
    expect(newPasswordProblem('ééééééééé')).toMatch(/repeated/);
  });

  it('have no composition rules: a long lower-case passphrase is fine', () => {
    expect(newPasswordProblem('quiet lantern orbit meadow')).toBeNull();
    expect(newPasswordProblem('correcthorsebatterystaple', 'ada@example.org')).toBeNull();
  });
});
