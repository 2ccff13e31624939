// Scratch: where the PGlite course page's tail latency at 50 connections comes from. The app runs
// here on an in-memory PGlite; a child process (this file, forked) keeps 50 keep-alive connections
// busy and logs every request, so first requests of a connection, steady state and time buckets
// can be told apart. `npx tsx bench/experiments/pglite-tail.ts [seconds] [connections]`
import { fork } from 'node:child_process';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { connectDatabase, openPGlite } from '../../server/db/connect.ts';
import { migrate } from '../../server/db/migrate.ts';
import { createDb } from '../../server/db/session.ts';
import { seedDemo } from '../../server/seed/demo.ts';
import { startApp } from '../harness.ts';

/** CPU ms of this process's main thread (Linux: its task's utime + stime, 10 ms ticks). */
function mainThreadCpuMs(): number {
  const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface Hit {
  conn: number;
  n: number;
  start: number;
  ms: number;
}

if (process.argv[2] === 'client') {
  const [url, seconds, connections] = [process.argv[3]!, Number(process.argv[4]), Number(process.argv[5])];
  const hits: Hit[] = [];
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async (_, conn) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      for (let n = 0; performance.now() < end; n++) {
        const start = performance.now();
        await new Promise<void>((resolve, reject) => {
          http
            .get(url, { agent }, (res) => {
              res.resume();
              res.on('end', () => resolve());
            })
            .on('error', reject);
        });
        hits.push({ conn, n, start: start - t0, ms: performance.now() - start });
      }
      agent.destroy();
    }),
  );
  process.send!(hits, () => process.exit(0));
} else {
  // Two servers on the same data, measured in alternating rounds: PGlite in this thread and in a
  // worker thread. (The 2026-11-26 measurements also ran the lock's old microtask-only hand-over.)
  const seconds = Number(process.argv[2] ?? 6);
  const connections = Number(process.argv[3] ?? 50);
  const rounds = Number(process.argv[4] ?? 3);
  const pglite = await openPGlite();
  const seeded = await connectDatabase({ pglite });
  await migrate(seeded);
  await seedDemo(createDb(seeded));
  const dump = await pglite.dumpDataDir('none');
  const variants = [
    { name: 'in-thread', handle: seeded },
    { name: 'worker', handle: await connectDatabase({ worker: true, loadDataDir: dump }) },
  ];
  const apps = await Promise.all(
    variants.map(async (v) => ({ ...v, ...(await startApp(createDb(v.handle))) })),
  );
  for (let round = 0; round < rounds; round++) {
    for (const { name, app, base } of round % 2 ? [...apps].reverse() : apps) {
      const url = `${base}/api/courses/typescript-from-zero`;
      const delay = monitorEventLoopDelay({ resolution: 10 });
      delay.enable();
      const accepted: number[] = [];
      const tServer = performance.now();
      const onConnection = () => accepted.push(performance.now() - tServer);
      app.server.on('connection', onConnection);
      const child = fork(
        new URL(import.meta.url).pathname,
        ['client', url, String(seconds), String(connections)],
        {
          execArgv: ['--import', 'tsx'],
        },
      );
      let cpu0: NodeJS.CpuUsage | undefined;
      let elu0: ReturnType<typeof performance.eventLoopUtilization> | undefined;
      let main0 = 0;
      // Measure from the first accepted connection (the child takes a while to start).
      app.server.once('connection', () => {
        cpu0 = process.cpuUsage();
        elu0 = performance.eventLoopUtilization();
        main0 = mainThreadCpuMs();
      });
      const hits = await new Promise<Hit[]>((resolve) => child.on('message', (m) => resolve(m as Hit[])));
      const cpu = process.cpuUsage(cpu0);
      const elu = performance.eventLoopUtilization(elu0);
      const mainCpu = mainThreadCpuMs() - main0;
      delay.disable();
      app.server.off('connection', onConnection);
      const q = (xs: number[], p: number) => {
        const sorted = [...xs].sort((a, b) => a - b);
        return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]?.toFixed(0) ?? '–';
      };
      const all = hits.map((h) => h.ms);
      const steady = hits.filter((h) => h.n > 0).map((h) => h.ms);
      const first = hits.filter((h) => h.n === 0).map((h) => h.ms);
      const cpuMs = (cpu.user + cpu.system) / 1000;
      console.log(
        `round ${round} ${name.padEnd(9)}: ${(hits.length / seconds).toFixed(0)} req/s; CPU/req ${(cpuMs / hits.length).toFixed(2)} ms, ` +
          `of which main thread ${(mainCpu / hits.length).toFixed(2)} ms (event loop busy ${(elu.active / hits.length).toFixed(2)} ms wall); p50 ${q(all, 0.5)} p99 ${q(all, 0.99)} max ${q(all, 1)}; ` +
          `first-of-connection max ${q(first, 1)}; later requests p99 ${q(steady, 0.99)}; ` +
          `accepts spread ${((accepted.at(-1) ?? 0) - (accepted[0] ?? 0)).toFixed(0)} ms; loop delay p99 ${(delay.percentile(99) / 1e6).toFixed(0)} ms`,
      );
    }
  }
  for (const { app, handle } of apps) {
    await app.close();
    await handle.close();
  }
}
