import { createPasswordHasher, OWASP_ARGON2_MINIMUM } from '../platform/passwords/passwords.ts';

const demoHasher = createPasswordHasher(OWASP_ARGON2_MINIMUM);

/**
 * Hashes a demo account's password exactly as sign-up does (argon2id at OWASP's minimum cost, about
 * 50 ms), so the demo accounts sign in with the passwords printed at start. A server configured
 * with a higher cost rehashes them at their first sign-in.
 */
export function hashDemoPassword(password: string): Promise<string> {
  return demoHasher.hash(password);
}
