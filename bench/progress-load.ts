/**
 * The load generator of the progress benchmark (bench/progress.bench.ts), run in its own process so
 * it does not share the server's event loop: autocannon (programmatic, for per-request tokens and
 * bodies) drives `PUT /api/lessons/:id/progress` for 1,000 simulated learners over a fixed number of
 * connections, and prints one JSON line with the throughput and every latency's percentiles.
 *
 * Usage: tsx bench/progress-load.ts <base url> <seconds> <connections> <learners.json> <state.json>
 *
 * Each learner plays the course in order, as the player would: a video lesson (200 s) sends a
 * heartbeat every "10 s" of video (position and watched seconds +10, 10 active seconds) until it
 * reports 180 s watched, which completes it (90 %); an article sends five heartbeats (10 active
 * seconds each) and then `completed: true`. About one report in twelve completes a lesson. Requests
 * take the learners round-robin, so a learner never has two reports in flight; client times are the
 * real clock, so each learner's reports are in order. The learners' places are kept in the state
 * file between rounds.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The part of autocannon's programmatic API used here (the package ships no types). */
interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}
interface AutocannonInstance extends PromiseLike<{
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats?: Record<string, { count: number }>;
}> {
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, ms: number) => void): void;
}
const autocannon = createRequire(import.meta.url)('autocannon') as (options: {
  url: string;
  connections: number;
  duration: number;
  requests: {
    setupRequest: (request: AutocannonRequest, context: Record<string, unknown>) => AutocannonRequest;
    onResponse: (status: number, body: string, context: Record<string, unknown>) => void;
  }[];
}) => AutocannonInstance;

export interface LoadLearner {
  token: string;
}

export interface LoadLesson {
  id: string;
  /** Video length in seconds; null for an article. */
  videoSeconds: number | null;
}

export interface LoadInput {
  learners: LoadLearner[];
  lessons: LoadLesson[];
}

/** A video report: the lesson and the position it carried. */
export interface VideoMark {
  lessonId: string;
  position: number;
}

/** Where each learner is (lesson index, reports sent in it), and whose turn is next. */
export interface LoadState {
  turn: number;
  places: {
    lesson: number;
    step: number;
    /** The learner's last video report sent, and the last one answered 2xx. */
    sent?: VideoMark;
    answered?: VideoMark;
  }[];
}

export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  failures: number;
  statusCodes: Record<string, number>;
  completions: number;
}

const ARTICLE_HEARTBEATS = 5;

/** The next report of a learner at `place` (and moves `place` on). */
export function nextReport(place: { lesson: number; step: number }, lessons: LoadLesson[]) {
  const lesson = lessons[place.lesson % lessons.length]!;
  place.step++;
  let body: Record<string, unknown>;
  let completes: boolean;
  if (lesson.videoSeconds) {
    const watched = Math.min(lesson.videoSeconds, place.step * 10);
    completes = watched * 10 >= lesson.videoSeconds * 9;
    body = { positionSeconds: watched, watchedSeconds: watched, activeSeconds: 10 };
  } else {
    completes = place.step > ARTICLE_HEARTBEATS;
    body = { activeSeconds: 10, ...(completes ? { completed: true } : {}) };
  }
  if (completes) {
    place.lesson = (place.lesson + 1) % lessons.length;
    place.step = 0;
  }
  return { lessonId: lesson.id, body, completes };
}

function percentile(sorted: number[], q: number): number | null {
  return sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function main() {
  const [base, secondsText, connectionsText, inputFile, stateFile] = process.argv.slice(2);
  if (!base || !secondsText || !connectionsText || !inputFile || !stateFile)
    throw new Error('usage: progress-load.ts <base> <seconds> <connections> <learners.json> <state.json>');
  const input = JSON.parse(readFileSync(inputFile, 'utf8')) as LoadInput;
  let state: LoadState;
  try {
    state = JSON.parse(readFileSync(stateFile, 'utf8')) as LoadState;
  } catch {
    // First round: each learner somewhere in the course (deterministic), so completions come at
    // their steady rate from the start.
    let seed = 42;
    const rnd = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const places = input.learners.map(() => {
      const lesson = Math.floor(rnd() * input.lessons.length);
      const video = input.lessons[lesson]!.videoSeconds;
      const steps = video ? Math.ceil((video * 0.9) / 10) : ARTICLE_HEARTBEATS + 1;
      return { lesson, step: Math.floor(rnd() * steps) };
    });
    state = { turn: 0, places };
  }
  let completions = 0;
  const latencies: number[] = [];
  const instance = autocannon({
    url: base,
    connections: Number(connectionsText),
    duration: Number(secondsText),
    requests: [
      {
        setupRequest: (request, context) => {
          const index = state.turn++ % input.learners.length;
          const place = state.places[index]!;
          const report = nextReport(place, input.lessons);
          const mark =
            typeof report.body.positionSeconds === 'number'
              ? { lessonId: report.lessonId, position: report.body.positionSeconds }
              : undefined;
          if (mark) place.sent = mark;
          Object.assign(context, { index, mark, completes: report.completes });
          return {
            ...request,
            method: 'PUT',
            path: `/api/lessons/${report.lessonId}/progress`,
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${input.learners[index]!.token}`,
            },
            body: JSON.stringify({ clientTime: new Date().toISOString(), ...report.body }),
          };
        },
        onResponse: (status, _body, context) => {
          const { index, mark, completes } = context as {
            index: number;
            mark?: VideoMark;
            completes: boolean;
          };
          if (status < 200 || status > 299) return;
          if (mark) state.places[index]!.answered = mark;
          if (completes) completions++;
        },
      },
    ],
  });
  instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  const result = await instance;
  writeFileSync(stateFile, JSON.stringify(state));
  latencies.sort((a, b) => a - b);
  const seconds = Number(secondsText);
  const statusCodes = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, v]) => [code, Number(v.count)]),
  );
  const out: LoadResult = {
    requests: latencies.length,
    seconds,
    rps: latencies.length / seconds,
    p50: percentile(latencies, 0.5),
    p95: percentile(latencies, 0.95),
    p99: percentile(latencies, 0.99),
    failures: result.errors + result.timeouts + result.non2xx,
    statusCodes,
    completions,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

await main();
