import { createHash, randomBytes } from 'node:crypto';

/**
 * Opaque tokens (refresh tokens, emailed links): 32 random bytes, base64url, given to the client
 * once. Only their SHA-256 is stored, so the database alone cannot be used to sign in.
 */
export const newOpaqueToken = () => randomBytes(32).toString('base64url');

/** The stored form of an opaque token (hex SHA-256). */
export const hashOpaqueToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');
