import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';

/**
 * Password hashing (argon2id) and the new-password rules. OWASP's minimum for argon2id is
 * m=19456 KiB, t=2, p=1; config.ts refuses anything below it outside NODE_ENV=test, where tests
 * may lower the cost for speed (ARGON2_MEMORY_KIB / ARGON2_TIME_COST).
 */
export const OWASP_ARGON2_MINIMUM = { memoryKib: 19_456, timeCost: 2, parallelism: 1 } as const;

export interface Argon2Cost {
  memoryKib: number;
  timeCost: number;
}

export interface VerifyResult {
  ok: boolean;
  /** The stored hash is weaker than the current settings (or not argon2id): store a new one. */
  needsRehash: boolean;
}

export interface PasswordHasher {
  readonly cost: Argon2Cost;
  hash(password: string): Promise<string>;
  /** Constant-shape check: a missing or malformed stored hash is verified against a dummy hash. */
  verify(stored: string | null | undefined, password: string): Promise<VerifyResult>;
}

/** NIST SP 800-63B: compare passwords as Unicode NFKC, so the same characters typed differently match. */
export const normalizePassword = (password: string) => password.normalize('NFKC');

const ARGON2_PHC = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;
const SCRYPT_LEGACY = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

export function createPasswordHasher(cost: Argon2Cost): PasswordHasher {
  const options = {
    algorithm: 2, // Algorithm.Argon2id (a const enum, not importable under verbatimModuleSyntax)
    memoryCost: cost.memoryKib,
    timeCost: cost.timeCost,
    parallelism: OWASP_ARGON2_MINIMUM.parallelism,
  };
  let dummy: Promise<string> | undefined;
  // A hash of a random password with the current cost: unknown accounts are verified against it, so
  // "no such user" takes as long as "wrong password".
  const dummyHash = () => (dummy ??= argon2Hash(randomBytes(32).toString('base64url'), options));

  return {
    cost,
    hash: (password) => argon2Hash(normalizePassword(password), options),
    async verify(stored, password) {
      const normalized = normalizePassword(password);
      const argon = stored ? ARGON2_PHC.exec(stored) : null;
      if (argon) {
        const ok = await argon2Verify(stored!, normalized).catch(() => false);
        const weaker = Number(argon[1]) < cost.memoryKib || Number(argon[2]) < cost.timeCost;
        return { ok, needsRehash: ok && weaker };
      }
      const legacy = stored ? SCRYPT_LEGACY.exec(stored) : null;
      if (legacy) {
        // Demo accounts seeded before argon2id (scrypt): accepted once, then rehashed.
        await argon2Verify(await dummyHash(), normalized).catch(() => false);
        const ok = await verifyScrypt(legacy, password);
        return { ok, needsRehash: ok };
      }
      await argon2Verify(await dummyHash(), normalized).catch(() => false);
      return { ok: false, needsRehash: false };
    },
  };
}

function verifyScrypt(match: RegExpExecArray, password: string): Promise<boolean> {
  const [, n, r, p, salt, key] = match;
  const expected = Buffer.from(key!, 'base64url');
  return new Promise((resolve) =>
    scrypt(
      password,
      Buffer.from(salt!, 'base64url'),
      expected.length,
      { N: Number(n), r: Number(r), p: Number(p), maxmem: 256 * 1024 * 1024 },
      (error, derived) => resolve(!error && timingSafeEqual(derived, expected)),
    ),
  );
}

// ---------------------------------------------------------------- new-password rules

let commonPasswords: Set<string> | undefined;

/** The shipped list (server/platform/passwords/common-passwords.txt, see its README), loaded once. */
function loadCommonPasswords(): Set<string> {
  commonPasswords ??= new Set(
    readFileSync(new URL('./common-passwords.txt', import.meta.url), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean),
  );
  return commonPasswords;
}

/** How many entries the common-password list has (the docs and a test quote it). */
export const commonPasswordCount = () => loadCommonPasswords().size;

/**
 * Why a new password is refused, or null when it is fine. Length is checked by the request schema;
 * this adds what needs context: the common-password list and the account's own address. No
 * composition rules (NIST SP 800-63B).
 */
export function newPasswordProblem(password: string, email?: string | null): string | null {
  const lower = normalizePassword(password).toLowerCase();
  if (loadCommonPasswords().has(lower)) {
    return 'is one of the most common passwords; choose something less guessable (a few unrelated words work well)';
  }
  if (email) {
    const address = email.toLowerCase();
    const local = address.split('@')[0] ?? '';
    if (lower === address || (local.length >= 4 && lower === local)) {
      return 'must not be your email address';
    }
  }
  if (/^(.)\1+$/u.test(lower)) return 'must not be one character repeated';
  return null;
}
