import { sql, type CompiledQuery, type RawBuilder, type SqlBool } from 'kysely';
import type { CatalogPrice, CatalogSort } from '../../../contracts/catalog.ts';
import type { Courses } from '../../db/types.generated.ts';
import { compileOnly, type Tx } from '../../db/session.ts';

export interface CatalogFilter {
  /** Search text (web-search syntax; the last word also matches as a prefix). */
  search?: string | undefined;
  category?: string | undefined;
  difficulty?: Courses['difficultyLevel'] | undefined;
  price?: CatalogPrice | undefined;
  language?: string | undefined;
  minRating?: number | undefined;
}

/** Where the previous page ended: the sort's key values as text (see SORT_KEYS), then the id. */
export interface CatalogPosition {
  keys: string[];
  id: string;
}

export interface CatalogPageRequest extends CatalogFilter {
  sort: CatalogSort;
  limit: number;
  after?: CatalogPosition | undefined;
}

/** How a sort key is ordered, shown in the cursor, and read back from it. */
interface SortKey {
  order: RawBuilder<unknown>;
  /** The key as text for the cursor, exactly (no rounding). */
  text: RawBuilder<string>;
  /** The cursor's text back as a value comparable with `order`. */
  parse: (value: string) => RawBuilder<unknown>;
  /** What a well-formed value of this key looks like in a cursor. */
  pattern: RegExp;
}

const INTEGER = /^-?\d{1,20}$/;
const DECIMAL = /^\d{1,3}(\.\d{1,4})?$/;
const FLOAT = /^-?\d{1,40}(\.\d{1,40})?(e[-+]?\d{1,3})?$/i;

/** An integer column of the courses row `c`, by its SQL name. */
function intKey(column: 'enrollment_count' | 'total_reviews' | 'price_cents'): SortKey {
  const ref = sql.raw(`c.${column}`);
  return { order: ref, text: sql<string>`${ref}::text`, parse: (v) => sql`${v}::bigint`, pattern: INTEGER };
}

const SORT_KEYS = {
  newest: () => [
    {
      order: sql`c.published_at`,
      // Integer microseconds: a JS Date or a formatted timestamp could lose precision or depend on settings.
      text: sql<string>`(extract(epoch from c.published_at) * 1000000)::bigint::text`,
      parse: (v: string) => sql`(timestamptz 'epoch' + ${v}::bigint * interval '1 microsecond')`,
      pattern: INTEGER,
    },
  ],
  popular: () => [intKey('enrollment_count')],
  rating: () => [
    {
      order: sql`c.average_rating`,
      text: sql<string>`c.average_rating::text`,
      parse: (v: string) => sql`${v}::numeric`,
      pattern: DECIMAL,
    },
    intKey('total_reviews'),
  ],
  price_asc: () => [intKey('price_cents')],
  price_desc: () => [intKey('price_cents')],
  // The rank comes from private.search_published_courses() (migration 0014), joined as `s`.
  relevance: () => [
    {
      order: sql`s.rank`,
      text: sql<string>`s.rank::text`,
      parse: (v: string) => sql`${v}::real`,
      pattern: FLOAT,
    },
  ],
} satisfies Record<CatalogSort, () => SortKey[]>;

/** The key patterns of a sort (how many keys, and what each looks like), for validating cursors. */
export function sortKeyPatterns(sort: CatalogSort): RegExp[] {
  return SORT_KEYS[sort]().map((k) => k.pattern);
}

/**
 * The ids and ranks of published, non-deleted courses matching the search (SECURITY DEFINER, see
 * 0014 and 0027). Best first when the page is sorted by relevance: the planner then reads courses
 * by id in rank order and stops at the page's end, instead of reading every match and sorting.
 */
function searchResults(search: string, bestFirst = false) {
  return bestFirst
    ? sql<{
        id: string;
        rank: number;
      }>`(select r.id, r.rank from private.search_published_courses(${search}) r
        order by r.rank desc, r.id desc)`
    : sql<{ id: string; rank: number }>`private.search_published_courses(${search})`;
}

type FacetName = 'category' | 'difficulty';

/** The filters as conditions, each by name so the facet counts can leave one out. */
function conditions(filter: CatalogFilter): { name: FacetName | 'other'; condition: RawBuilder<SqlBool> }[] {
  const list: { name: FacetName | 'other'; condition: RawBuilder<SqlBool> }[] = [];
  if (filter.category) list.push({ name: 'category', condition: sql`c.category = ${filter.category}` });
  if (filter.difficulty)
    list.push({ name: 'difficulty', condition: sql`c.difficulty_level = ${filter.difficulty}` });
  if (filter.price === 'free') list.push({ name: 'other', condition: sql`c.price_cents = 0` });
  if (filter.price === 'paid') list.push({ name: 'other', condition: sql`c.price_cents > 0` });
  if (filter.language) list.push({ name: 'other', condition: sql`c.language = ${filter.language}` });
  if (filter.minRating !== undefined)
    list.push({ name: 'other', condition: sql`c.average_rating >= ${filter.minRating}::numeric` });
  return list;
}

function all(parts: RawBuilder<SqlBool>[]): RawBuilder<SqlBool> {
  return parts.length === 0 ? sql<SqlBool>`true` : sql<SqlBool>`(${sql.join(parts, sql` and `)})`;
}

/**
 * One page of the catalogue as ONE statement, keyset-paginated on the sort's keys then the id
 * (all in one direction, so a row comparison expresses "after"). Fetches `limit + 1` rows so the
 * caller knows whether another page exists. A builder, so it can run through the one-round-trip
 * read path and the benchmark can issue the very same SQL.
 */
export function catalogPageQuery(qb: Tx, request: CatalogPageRequest) {
  const keys = SORT_KEYS[request.sort]();
  const descending = request.sort !== 'price_asc';
  const direction = descending ? 'desc' : 'asc';
  let query = qb
    .selectFrom('courses as c')
    .$if(request.search !== undefined, (q) =>
      q.innerJoin(searchResults(request.search!, request.sort === 'relevance').as('s'), (join) =>
        join.on(sql<SqlBool>`s.id = c.id`),
      ),
    )
    // Only published, non-deleted courses, whoever asks: owners and admins see more rows under RLS.
    .where('c.status', '=', 'published')
    .where('c.deletedAt', 'is', null)
    .select([
      'c.id',
      'c.slug',
      'c.title',
      'c.subtitle',
      'c.thumbnailUrl',
      'c.instructorName',
      'c.category',
      'c.difficultyLevel',
      'c.language',
      'c.priceCents',
      'c.accessType',
      'c.averageRating',
      'c.totalReviews',
      'c.enrollmentCount',
      'c.lessonCount',
      'c.totalDurationMinutes',
      // ISO 8601 in UTC as the API sends it (Date#toISOString's text, milliseconds truncated),
      // so the route neither parses a Date per row nor formats it back (~24 µs a page). The colons
      // are quoted: pgbench (bench/catalog.bench.ts runs this SQL) reads `:MI` as a variable.
      sql<string>`to_char(c.published_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24":"MI":"SS.MS"Z"')`.as(
        'publishedAt',
      ),
      sql<string[]>`array[${sql.join(keys.map((k) => k.text))}]`.as('cursorKeys'),
    ])
    .where(all(conditions(request).map((c) => c.condition)));
  if (request.after) {
    const { keys: values, id } = request.after;
    const mine = sql.join([...keys.map((k) => k.order), sql`c.id`]);
    const theirs = sql.join([...keys.map((k, i) => k.parse(values[i]!)), sql`${id}::uuid`]);
    query = query.where(
      descending ? sql<SqlBool>`(${mine}) < (${theirs})` : sql<SqlBool>`(${mine}) > (${theirs})`,
    );
  }
  for (const key of keys) query = query.orderBy(key.order, direction);
  return query.orderBy('c.id', direction).limit(request.limit + 1);
}

export type CatalogPageRow = Awaited<ReturnType<ReturnType<typeof catalogPageQuery>['execute']>>[number];

// Building and compiling catalogPageQuery cost ~90 µs of CPU per request, a tenth of the route's
// Node time (bench/experiments/browse-cost.ts). Its SQL text depends only on the request's shape
// (the sort, which filters and whether a search and a position are present; the price filter's
// value, which is SQL text), so each shape is compiled once, with a slot in place of each value,
// and a request only fills the slots. At most 6 × 2⁶ × 3 = 1,152 shapes.
const SLOT = '\u0000catalog:';
type Slot = 'search' | 'category' | 'difficulty' | 'language' | 'minRating' | 'after0' | 'after1' | 'afterId';
const slot = (name: Slot) => `${SLOT}${name}`;
/** Stands for `limit`: it is arithmetic in catalogPageQuery, so the slot is a number no real limit can be. */
const LIMIT_SLOT = -7_000_001;

interface PageTemplate {
  compiled: CompiledQuery<CatalogPageRow>;
  /** For each parameter, where its value comes from: a slot, the limit, or the template itself. */
  sources: (Slot | 'limit' | null)[];
}
const pageTemplates = new Map<string, PageTemplate>();

function pageShape(request: CatalogPageRequest): string {
  const has = (value: unknown) => (value ? '1' : '0');
  return [
    request.sort,
    request.search !== undefined ? '1' : '0',
    has(request.category),
    has(request.difficulty),
    request.price ?? '-',
    has(request.language),
    request.minRating !== undefined ? '1' : '0',
    request.after ? String(request.after.keys.length) : '-',
  ].join('|');
}

function pageTemplate(request: CatalogPageRequest): PageTemplate {
  const slotted = <T>(value: T | undefined, name: Slot) =>
    value === undefined ? undefined : (slot(name) as T);
  const compiled = catalogPageQuery(compileOnly, {
    sort: request.sort,
    price: request.price,
    search: slotted(request.search, 'search'),
    category: request.category ? slot('category') : undefined,
    difficulty: request.difficulty ? (slot('difficulty') as CatalogFilter['difficulty']) : undefined,
    language: request.language ? slot('language') : undefined,
    minRating: slotted(request.minRating, 'minRating'),
    limit: LIMIT_SLOT,
    after: request.after && {
      keys: request.after.keys.map((_, i) => slot(i === 0 ? 'after0' : 'after1')),
      id: slot('afterId'),
    },
  }).compile();
  const sources = compiled.parameters.map((p) =>
    p === LIMIT_SLOT + 1
      ? ('limit' as const)
      : typeof p === 'string' && p.startsWith(SLOT)
        ? (p.slice(SLOT.length) as Slot)
        : null,
  );
  return { compiled, sources };
}

/**
 * catalogPageQuery(…).compile() for this request — the same SQL text and parameters — with the
 * text compiled once per request shape.
 */
export function compiledCatalogPageQuery(request: CatalogPageRequest): CompiledQuery<CatalogPageRow> {
  const shape = pageShape(request);
  let template = pageTemplates.get(shape);
  if (!template) {
    template = pageTemplate(request);
    pageTemplates.set(shape, template);
  }
  const { compiled, sources } = template;
  const values: Record<Slot | 'limit', unknown> = {
    search: request.search,
    category: request.category,
    difficulty: request.difficulty,
    language: request.language,
    minRating: request.minRating,
    after0: request.after?.keys[0],
    after1: request.after?.keys[1],
    afterId: request.after?.id,
    limit: request.limit + 1,
  };
  return {
    ...compiled,
    parameters: compiled.parameters.map((p, i) => {
      const source = sources[i];
      return source ? values[source] : p;
    }),
  };
}

export interface FacetRow {
  facet: 'category' | 'difficulty' | 'total';
  value: string | null;
  count: number;
}

/**
 * Total and counts per category and per difficulty for the search and filters, in one scan:
 * each facet's counts apply every filter except its own.
 */
export async function countFacets(tx: Tx, filter: CatalogFilter): Promise<FacetRow[]> {
  const parts = conditions(filter);
  const others = all(parts.filter((p) => p.name === 'other').map((p) => p.condition));
  const only = (name: FacetName) => all(parts.filter((p) => p.name === name).map((p) => p.condition));
  const { rows } = await sql<FacetRow>`
    select case when grouping(c.category) = 0 then 'category'
                when grouping(c.difficulty_level) = 0 then 'difficulty' else 'total' end as facet,
           coalesce(c.category, c.difficulty_level) as value,
           case when grouping(c.category) = 0 then count(*) filter (where ${only('difficulty')})
                when grouping(c.difficulty_level) = 0 then count(*) filter (where ${only('category')})
                else count(*) filter (where ${only('category')} and ${only('difficulty')}) end::int as count
      from courses c ${filter.search === undefined ? sql`` : sql`join ${searchResults(filter.search)} s on s.id = c.id`}
     where c.status = 'published' and c.deleted_at is null
       and ${others} and (${only('category')} or ${only('difficulty')})
     group by grouping sets ((c.category), (c.difficulty_level), ())
     order by 1, 3 desc, 2`.execute(tx);
  return rows;
}
