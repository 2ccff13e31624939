import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.ts';
import { EXPECTATIONS, OPERATION_KINDS, WORLD, operationKind, type TableName } from './expectations.ts';
import { OPERATIONS } from './operations.ts';

// Schema-wide guarantees that keep the RLS matrix honest: a new table, column grant, function or
// view cannot slip in without row-level security, an expectation, an audit trigger or a safe
// search_path. All checks read the catalogs of a freshly migrated database as its owner.

let t: TestDatabase;
let tables: string[];

beforeAll(async () => {
  t = await createTestDatabase();
  tables = (
    await sql<{ name: string }>`
      select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind in ('r', 'p') order by 1`.execute(t.handle.kysely)
  ).rows.map((r) => r.name);
});
afterAll(async () => {
  await t?.close();
});

const q = <R>(query: ReturnType<typeof sql<R>>) => query.execute(t.handle.kysely).then((r) => r.rows);
const REQUEST_ROLES = ['anon', 'authenticated'] as const;

describe('every public table', () => {
  it('the schema has the tables the matrix knows (control for the checks below)', () => {
    expect(tables.length).toBeGreaterThanOrEqual(20);
    expect(tables).toContain('profiles');
  });

  it('has row-level security enabled', async () => {
    const off = await q(sql<{ name: string }>`
      select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relrowsecurity`);
    expect(off.map((r) => r.name)).toEqual([]);
  });

  it('has an entry in the expectation table, and every entry is a table', () => {
    expect([...tables].sort()).toEqual(Object.keys(EXPECTATIONS).sort());
    expect(Object.keys(WORLD).sort()).toEqual(Object.keys(EXPECTATIONS).sort());
  });

  it('has every kind of write in its expectations, each implemented, and nothing implemented twice', () => {
    const problems: string[] = [];
    for (const table of Object.keys(EXPECTATIONS) as TableName[]) {
      const written = Object.keys(EXPECTATIONS[table].write);
      const implemented = Object.keys(OPERATIONS[table]);
      const kinds = new Set(written.map(operationKind));
      for (const kind of OPERATION_KINDS)
        if (!kinds.has(kind)) problems.push(`${table}: no "${kind}" operation`);
      for (const name of written)
        if (!implemented.includes(name)) problems.push(`${table}: "${name}" not implemented`);
      for (const name of implemented)
        if (!written.includes(name)) problems.push(`${table}: "${name}" has no expectation`);
    }
    expect(problems).toEqual([]);
  });

  it('with a deleted_at column has a soft delete operation in its expectations', async () => {
    const softDeletable = await q(sql<{ table: string }>`
      select table_name as table from information_schema.columns
       where table_schema = 'public' and column_name = 'deleted_at' order by 1`);
    expect(softDeletable.length).toBeGreaterThan(0);
    const missing = softDeletable
      .map((r) => r.table as TableName)
      .filter(
        (table) => !Object.keys(EXPECTATIONS[table].write).some((op) => operationKind(op) === 'soft delete'),
      );
    expect(missing).toEqual([]);
  });

  it('has a <table>_audit trigger calling private.set_audit_columns before insert and update', async () => {
    const audited = await q(sql<{ table: string }>`
      select c.relname as table from pg_trigger tg
        join pg_class c on c.oid = tg.tgrelid join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and tg.tgname = c.relname || '_audit' and not tg.tgisinternal
         and tg.tgfoid = 'private.set_audit_columns()'::regprocedure
         and tg.tgtype & 1 = 1      -- row level
         and tg.tgtype & 2 = 2      -- before
         and tg.tgtype & 4 = 4      -- insert
         and tg.tgtype & 16 = 16    -- update`);
    const missing = tables.filter((table) => !audited.some((r) => r.table === table));
    expect(missing).toEqual([]);
  });

  it('has created_at, updated_at, created_by and updated_by columns', async () => {
    const present = await q(sql<{ table: string; column: string }>`
      select table_name as table, column_name as column from information_schema.columns
       where table_schema = 'public' and column_name in ('created_at', 'updated_at', 'created_by', 'updated_by')`);
    const missing = tables.flatMap((table) =>
      ['created_at', 'updated_at', 'created_by', 'updated_by']
        .filter((column) => !present.some((r) => r.table === table && r.column === column))
        .map((column) => `${table}.${column}`),
    );
    expect(missing).toEqual([]);
  });
});

describe('secret columns are granted to no request role', () => {
  const secretSelects: [schema: string, table: string, column: string][] = [
    ['public', 'code_challenges', 'solution_code'],
    ['public', 'code_challenges', 'test_cases'],
    ['public', 'course_lessons', 'video_url'],
    ['public', 'course_lessons', 'article_content'],
    ['public', 'course_lessons', 'downloadable_resources'],
  ];

  async function columnPrivilege(role: string, table: string, column: string, privilege: string) {
    const [row] = await q(sql<{ granted: boolean }>`
      select has_column_privilege(${role}, ${table}, ${column}, ${privilege}) as granted`);
    return row!.granted;
  }

  it('control: the same check sees columns that are granted', async () => {
    expect(await columnPrivilege('authenticated', 'public.code_challenges', 'title', 'SELECT')).toBe(true);
    expect(await columnPrivilege('anon', 'public.course_lessons', 'title', 'SELECT')).toBe(true);
    expect(await columnPrivilege('service_role', 'auth.users', 'encrypted_password', 'SELECT')).toBe(true);
  });

  it.each(REQUEST_ROLES.flatMap((role) => secretSelects.map(([s, tb, c]) => ({ role, s, tb, c }))))(
    '$role cannot SELECT $tb.$c',
    async ({ role, s, tb, c }) => {
      expect(await columnPrivilege(role, `${s}.${tb}`, c, 'SELECT')).toBe(false);
      const listed = await q(sql<{ grantee: string }>`
        select grantee from information_schema.column_privileges
         where table_schema = ${s} and table_name = ${tb} and column_name = ${c}
           and privilege_type = 'SELECT' and grantee in ('anon', 'authenticated', 'PUBLIC')`);
      expect(listed).toEqual([]);
    },
  );

  it.each(REQUEST_ROLES)(
    '%s has no privilege on any column of auth.users, nor on the table',
    async (role) => {
      const columns = await q(sql<{ column: string }>`
      select attname as column from pg_attribute
       where attrelid = 'auth.users'::regclass and attnum > 0 and not attisdropped`);
      expect(columns.length).toBeGreaterThan(5);
      const granted: string[] = [];
      for (const { column } of columns) {
        for (const privilege of ['SELECT', 'INSERT', 'UPDATE', 'REFERENCES']) {
          if (await columnPrivilege(role, 'auth.users', column, privilege))
            granted.push(`${privilege} ${column}`);
        }
      }
      const [table] = await q(sql<{ any: boolean }>`
      select has_table_privilege(${role}, 'auth.users', 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
        as any`);
      expect(granted).toEqual([]);
      expect(table!.any).toBe(false);
    },
  );
});

describe('functions', () => {
  interface Fn {
    schema: string;
    signature: string;
    config: string[] | null;
    publicExecute: boolean;
  }
  const functions = (where: ReturnType<typeof sql>) =>
    q(sql<Fn>`
      select n.nspname as schema, p.oid::regprocedure::text as signature, p.proconfig as config,
             exists (select 1 from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                      where a.grantee = 0 and a.privilege_type = 'EXECUTE') as public_execute
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'
         and ${where}
       order by 2`);

  it('every SECURITY DEFINER function lives in private, with a fixed search_path, not executable by PUBLIC', async () => {
    const definers = await functions(sql`p.prosecdef`);
    // Control: the projections and predicates of 0010 are among them.
    expect(definers.map((f) => f.signature)).toEqual(
      expect.arrayContaining(['private.lesson_content(uuid[])', 'private.is_admin()']),
    );
    const problems = definers.flatMap((f) => [
      ...(f.schema === 'private' ? [] : [`${f.signature}: SECURITY DEFINER outside private`]),
      ...((f.config ?? []).some((c) => c.startsWith('search_path='))
        ? []
        : [`${f.signature}: no fixed search_path`]),
      ...(f.publicExecute ? [`${f.signature}: executable by PUBLIC`] : []),
    ]);
    expect(problems).toEqual([]);
  });

  it('no function in private is executable by PUBLIC', async () => {
    const all = await functions(sql`n.nspname = 'private'`);
    expect(all.length).toBeGreaterThan(20);
    expect(all.filter((f) => f.publicExecute).map((f) => f.signature)).toEqual([]);
  });

  it('control: the PUBLIC-execute check sees a function that PUBLIC may execute', async () => {
    // auth.uid() keeps PostgreSQL's default EXECUTE for PUBLIC (it is not SECURITY DEFINER).
    const [uid] = await functions(sql`p.oid = 'auth.uid()'::regprocedure`);
    expect(uid?.publicExecute).toBe(true);
  });
});

describe('tables in private (credentials and their traces: sessions, token hashes, rate limits)', () => {
  it.each(REQUEST_ROLES)('%s has no privilege on any of them, nor on any of their columns', async (role) => {
    const privateTables = await q(sql<{ name: string }>`
      select c.oid::regclass::text as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'private' and c.relkind in ('r', 'p', 'v', 'm') order by 1`);
    // Control: the accounts tables of 0012 are there.
    expect(privateTables.map((r) => r.name)).toEqual(
      expect.arrayContaining(['private.auth_sessions', 'private.refresh_tokens', 'private.email_tokens']),
    );
    const granted = await q(sql<{ name: string }>`
      select c.oid::regclass::text as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'private' and c.relkind in ('r', 'p', 'v', 'm')
         and (has_table_privilege(${role}, c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
              or has_any_column_privilege(${role}, c.oid, 'SELECT, INSERT, UPDATE, REFERENCES'))`);
    expect(granted).toEqual([]);
  });
});

describe('views', () => {
  const unsafeViews = () =>
    q(sql<{ name: string; kind: string }>`
      select c.relname as name, c.relkind::text as kind from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public'
         and (c.relkind = 'm' or (c.relkind = 'v' and not coalesce(c.reloptions @> array['security_invoker=true'], false)))`);

  it('every view in public is security_invoker, and there are no materialized views (they bypass RLS)', async () => {
    expect(await unsafeViews()).toEqual([]);
  });

  it('control: the check flags a definer view and accepts an invoker view', async () => {
    const flagged = await t.handle.kysely.connection().execute(async (conn) => {
      await sql`begin`.execute(conn);
      try {
        await sql`create view public.probe_definer as select id from public.courses`.execute(conn);
        await sql`create view public.probe_invoker with (security_invoker = true) as select id from public.courses`.execute(
          conn,
        );
        return (
          await sql<{ name: string }>`
            select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
             where n.nspname = 'public' and c.relkind = 'v'
               and not coalesce(c.reloptions @> array['security_invoker=true'], false)`.execute(conn)
        ).rows.map((r) => r.name);
      } finally {
        await sql`rollback`.execute(conn);
      }
    });
    expect(flagged).toEqual(['probe_definer']);
  });
});
