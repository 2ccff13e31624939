import { describe, expect, it } from 'vitest';
import { claimsFor, prologue, quoteLiteral } from './session.ts';

describe('RLS prologue', () => {
  it('quotes literals so claims cannot break out of the string', () => {
    expect(quoteLiteral("o'hara")).toBe("'o''hara'");
    expect(() => quoteLiteral('a\0b')).toThrow();
  });

  it('is one message: BEGIN plus role and claims', () => {
    const text = prologue('authenticated', claimsFor({ id: 'u1', email: "x'@y.z" }));
    expect(text.startsWith('BEGIN; SELECT set_config(')).toBe(true);
    expect(text).toContain(`'{"sub":"u1","role":"authenticated","aud":"authenticated","email":"x''@y.z"}'`);
  });
});
