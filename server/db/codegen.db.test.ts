import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../tests/helpers/test-db.ts';
import { renderDbTypes, TYPES_FILE } from './codegen.ts';

describe('generated DB types', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t.close());

  it('match the migrated schema (run `npm run db:types` after adding a migration)', async () => {
    const expected = await renderDbTypes(t.handle);
    expect(readFileSync(TYPES_FILE, 'utf8')).toBe(expected);
  });
});
