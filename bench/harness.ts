/**
 * What the benchmarks share: rounds of interleaved cases, HTTP load from autocannon in its own
 * process, direct-SQL loops, pgbench as the baseline, the app on a real port, and the ratio
 * arithmetic of the reports. See bench/README.md for how the numbers are read.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp, type App } from '../server/app.ts';
import { parseConfig, resolveJwtSecret, type LogLevel } from '../server/config.ts';
import type { Db } from '../server/db/session.ts';
import { markLoad, otherCores } from './other-load.ts';

export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
export const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
export const CONNECTIONS = 50;
export const POOL_SIZE = Number(process.env.BENCH_POOL_SIZE ?? 10);
export const ENGINES = (process.env.BENCH_ENGINES ?? 'pglite,postgres').split(',').map((e) => e.trim());
export const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const LOG_LEVEL = (process.env.BENCH_LOG_LEVEL ?? 'warn') as LogLevel;
export const JWT_SECRET = 'bench-secret-that-is-at-least-32-characters-long';
/**
 * Parts of case names separated by `|` (names hold commas): only the cases whose name contains one
 * of them run, e.g. `BENCH_ONLY='browse, route|browse, pgbench -M prepared -c 8'`.
 */
export const ONLY = (process.env.BENCH_ONLY ?? '')
  .split('|')
  .map((s) => s.trim())
  .filter(Boolean);
/** A file to write a CPU profile of this process (the apps run here) over the measured rounds. */
export const CPU_PROFILE = process.env.BENCH_CPU_PROFILE;
export const AUTOCANNON = fileURLToPath(new URL('../node_modules/autocannon/autocannon.js', import.meta.url));

/** One round of one case. */
export interface Sample {
  rps: number;
  p50: number | null;
  /** Only where the load generator logs every request (the progress benchmark). */
  p95?: number | null;
  p99: number | null;
  failures: number;
}

export interface Case {
  engine: string;
  name: string;
  note?: string;
  /** Whether the bench can tell its own CPU from the rest of the machine's during this case. */
  attributable: boolean;
  run(seconds: number): Promise<Sample>;
}

export interface Result {
  engine: string;
  name: string;
  note?: string;
  rounds: (Sample & { otherCores: number | null })[];
}

export const results: Result[] = [];

export function log(message: string) {
  process.stderr.write(`${message}\n`);
}

// ---------------------------------------------------------------- HTTP load (autocannon, own process)

export interface AutocannonJson {
  requests: { average: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}

export function autocannon(url: string, seconds: number, token: string | undefined, connections: number) {
  const args = [AUTOCANNON, '-c', String(connections), '-d', String(seconds), '-j'];
  if (token) args.push('-H', `authorization=Bearer ${token}`);
  args.push(url);
  return new Promise<AutocannonJson>((resolve, reject) => {
    // A separate process, so the load generator does not share the server's event loop.
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited ${code}: ${err}`));
      resolve(JSON.parse(out) as AutocannonJson);
    });
  });
}

export function httpCase(
  engine: string,
  name: string,
  url: string,
  token?: string,
  note?: string,
  connections = CONNECTIONS,
): Case {
  return {
    engine,
    name,
    ...(note ? { note } : {}),
    attributable: true,
    run: async (seconds) => {
      const r = await autocannon(url, seconds, token, connections);
      return {
        rps: r.requests.average,
        p50: r.latency.p50,
        p99: r.latency.p99,
        failures: r.errors + r.timeouts + r.non2xx,
      };
    },
  };
}

// ---------------------------------------------------------------- direct SQL (no HTTP)

/** Runs `query` from CONNECTIONS concurrent loops for `seconds`; latencies in ms. */
export async function loops(seconds: number, query: () => Promise<unknown>): Promise<Sample> {
  const latencies: number[] = [];
  let failures = 0;
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        try {
          await query();
          latencies.push(performance.now() - t0);
        } catch {
          failures++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? null;
  return { rps: latencies.length / elapsed, p50: at(0.5), p99: at(0.99), failures };
}

export function directCase(engine: string, name: string, query: () => Promise<unknown>, note: string): Case {
  return { engine, name, note, attributable: true, run: (seconds) => loops(seconds, query) };
}

// ---------------------------------------------------------------- pgbench

/** Compiled Kysely SQL ($1…$n) as a pgbench script (:p1…:pn) and the matching -D definitions. */
export function pgbenchScript(text: string, parameters: readonly unknown[]) {
  const script = text.replace(/\$(\d+)/g, (_, n: string) => `:p${n}`).replace(/\s+/g, ' ');
  const defines = parameters.flatMap((value, i) => ['-D', `p${i + 1}=${String(value)}`]);
  return { script, defines };
}

export function pgbench(url: string, script: string, defines: string[], seconds: number): Sample {
  const dir = mkdtempSync(join(tmpdir(), 'uw-pgbench-'));
  try {
    const file = join(dir, 'script.sql');
    writeFileSync(file, script);
    const args = ['-n', '-M', 'prepared', '-c', '8', '-j', '2', '-T', String(seconds), '-f', file];
    args.push(...defines, '--log', `--log-prefix=${join(dir, 'tx')}`, url);
    const run = spawnSync('pgbench', args, { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`pgbench failed: ${run.stderr}`);
    const tps = Number(/tps = ([\d.]+)/.exec(run.stdout)?.[1]);
    const failed = Number(/number of failed transactions: (\d+)/.exec(run.stdout)?.[1] ?? 0);
    // Per-transaction log lines: client tx_no latency_us script_no epoch epoch_us.
    const latencies = readdirSync(dir)
      .filter((f) => f.startsWith('tx'))
      .flatMap((f) => readFileSync(join(dir, f), 'utf8').trim().split('\n'))
      .map((line) => Number(line.split(' ')[2]) / 1000)
      .sort((a, b) => a - b);
    const at = (q: number) => latencies[Math.floor(q * latencies.length)] ?? null;
    return { rps: tps, p50: at(0.5), p99: at(0.99), failures: failed };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function pgbenchCase(
  engine: string,
  name: string,
  url: string,
  script: string,
  defines: string[],
  note: string,
): Case {
  // pgbench's own backends come and go within the run: their CPU cannot be told from others'.
  return {
    engine,
    name,
    note,
    attributable: false,
    run: async (seconds) => pgbench(url, script, defines, seconds),
  };
}

// ---------------------------------------------------------------- rounds

export async function runRounds(all: Case[], database?: string) {
  const cases = ONLY.length ? all.filter((c) => ONLY.some((part) => c.name.includes(part))) : all;
  const profiler = CPU_PROFILE ? await startProfile() : undefined;
  try {
    await measureRounds(cases, database);
  } finally {
    if (profiler) await stopProfile(profiler, CPU_PROFILE!);
  }
}

async function measureRounds(cases: Case[], database?: string) {
  const byCase = cases.map((c) => {
    const result: Result = {
      engine: c.engine,
      name: c.name,
      ...(c.note ? { note: c.note } : {}),
      rounds: [],
    };
    results.push(result);
    return { c, result, warm: false };
  });
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 === 1 ? byCase : [...byCase].reverse();
    for (const entry of order) {
      const { c, result } = entry;
      if (!entry.warm && WARMUP_SECONDS > 0) {
        log(`[${c.engine}] ${c.name}: warm-up ${WARMUP_SECONDS}s`);
        await c.run(WARMUP_SECONDS);
      }
      entry.warm = true;
      const start = markLoad(database);
      const sample = await c.run(SECONDS);
      const other = c.attributable ? otherCores(start, markLoad(database)) : null;
      result.rounds.push({ ...sample, otherCores: other });
      log(
        `[${c.engine}] round ${round}/${ROUNDS} ${c.name}: ${sample.rps.toFixed(0)} req/s, ` +
          `p50 ${fmt(sample.p50)} ms, p99 ${fmt(sample.p99)} ms, other load ${fmt(other, 2)} cores`,
      );
    }
  }
}

// ---------------------------------------------------------------- CPU profile

async function startProfile() {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return session;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/**
 * Writes the profile (open it in Chrome DevTools) and logs where this process spent its samples,
 * by function and by package, warm-ups and every case included.
 */
async function stopProfile(session: Session, file: string) {
  const { profile } = (await session.post('Profiler.stop')) as {
    profile: { nodes: ProfileNode[] };
  };
  session.disconnect();
  writeFileSync(file, JSON.stringify(profile));
  const total = profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0) || 1;
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (!hits) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url.replace(/^file:\/\//, '');
    const pkg =
      /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(where)?.[1] ??
      (where.includes('/server/')
        ? 'server/' + (where.split('/server/')[1]?.split('/').slice(0, -1).join('/') ?? '')
        : where
          ? 'node:' + where.split('/').pop()
          : `(${functionName || 'native'})`);
    const fn = `${functionName || '(anonymous)'} ${where.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + hits);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + hits);
  }
  const top = (map: Map<string, number>, n: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, hits]) => `  ${((100 * hits) / total).toFixed(1).padStart(5)} %  ${name}`)
      .join('\n');
  log(`CPU profile written to ${file} (${total} samples). Self time by package:\n${top(byPackage, 25)}`);
  log(`Self time by function:\n${top(byFunction, 40)}`);
}

// ---------------------------------------------------------------- the app

/** The app on 127.0.0.1 and a free port; `env` adds configuration variables (as in the environment). */
export async function startApp(
  db: Db,
  env: Record<string, string> = {},
): Promise<{ app: App; base: string }> {
  const config = resolveJwtSecret(
    parseConfig({ JWT_SECRET, LOG_LEVEL: LOG_LEVEL, NODE_ENV: 'production', ...env }),
  );
  const app = buildApp({ config, db });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, base: address };
}

// ---------------------------------------------------------------- report

export function fmt(n: number | null | undefined, digits = 1) {
  return n === null || n === undefined || Number.isNaN(n) ? '–' : n.toFixed(digits);
}

export function median(values: (number | null)[]): number | null {
  const v = values.filter((x): x is number => x !== null && !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

export function find(engine: string, name: string) {
  return results.find((r) => r.engine === engine && r.name === name);
}

/** Throughput ratio a / b: the median of the per-round ratios, and their range. */
export function ratio(engine: string, a: string, b: string): string {
  const x = find(engine, a);
  const y = find(engine, b);
  if (!x || !y) return '–';
  const per = x.rounds.map((r, i) => (y.rounds[i] ? r.rps / y.rounds[i].rps : null));
  const finite = per.filter((v): v is number => v !== null);
  const m = median(per);
  if (m === null) return '–';
  return `${m.toFixed(2)}× (${Math.min(...finite).toFixed(2)}–${Math.max(...finite).toFixed(2)})`;
}
