// Scratch: where the PGlite course page's tail latency at 50 connections comes from. The app runs
// here on an in-memory PGlite; a child process (this file, forked) keeps 50 keep-alive connections
// busy and logs every request, so first requests of a connection, steady state and time buckets
// can be told apart. `npx tsx bench/experiments/pglite-tail.ts [seconds] [connections]`
import { fork } from 'node:child_process';
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { connectDatabase, openPGlite } from '../../server/db/connect.ts';
import { migrate } from '../../server/db/migrate.ts';
import { createDb } from '../../server/db/session.ts';
import { seedDemo } from '../../server/seed/demo.ts';
import { startApp } from '../harness.ts';

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
  const seconds = Number(process.argv[2] ?? 6);
  const connections = Number(process.argv[3] ?? 50);
  const handle = await connectDatabase({ pglite: await openPGlite() });
  await migrate(handle);
  const db = createDb(handle);
  await seedDemo(db);
  const { app, base } = await startApp(db);
  const url = `${base}/api/courses/typescript-from-zero`;
  for (let round = 0; round < 3; round++) {
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const cpu0 = process.cpuUsage();
    // Server side: when each connection was accepted and when its first request was parsed.
    const accepted = new Map<number, number>();
    const firstRequest = new Map<number, number>();
    const tServer = performance.now();
    const onConnection = (socket: import('node:net').Socket) => accepted.set(socket.remotePort!, performance.now() - tServer);
    const onRequest = (req: http.IncomingMessage) => {
      const port = req.socket.remotePort!;
      if (!firstRequest.has(port)) firstRequest.set(port, performance.now() - tServer);
    };
    app.server.on('connection', onConnection);
    app.server.on('request', onRequest);
    const child = fork(new URL(import.meta.url).pathname, ['client', url, String(seconds), String(connections)], {
      execArgv: ['--import', 'tsx'],
    });
    const hits = await new Promise<Hit[]>((resolve) => child.on('message', (m) => resolve(m as Hit[])));
    delay.disable();
    app.server.off('connection', onConnection);
    app.server.off('request', onRequest);
    const acc = [...accepted.values()].sort((a, b) => a - b);
    const fr = [...firstRequest.values()].sort((a, b) => a - b);
    console.log(`  accepted ${acc.length}: first ${acc[0]?.toFixed(0)} last ${acc.at(-1)?.toFixed(0)} ms; first request parsed: ${fr.length}, first ${fr[0]?.toFixed(0)} median ${fr[Math.floor(fr.length / 2)]?.toFixed(0)} last ${fr.at(-1)?.toFixed(0)} ms`);
    console.log('  accept times:', acc.map((a) => a.toFixed(0)).join(' '));
    const cpu = process.cpuUsage(cpu0);
    const q = (xs: number[], p: number) => {
      const s = [...xs].sort((a, b) => a - b);
      return s[Math.min(s.length - 1, Math.floor(p * s.length))]?.toFixed(0) ?? '–';
    };
    const all = hits.map((h) => h.ms);
    const steady = hits.filter((h) => h.n > 0).map((h) => h.ms);
    const first = hits.filter((h) => h.n === 0).map((h) => h.ms);
    const late = hits.filter((h) => h.start > 1000).map((h) => h.ms);
    console.log(
      `round ${round}: ${(hits.length / seconds).toFixed(0)} req/s, CPU ${((cpu.user + cpu.system) / 1000 / hits.length).toFixed(2)} ms/req; ` +
        `all p50 ${q(all, 0.5)} p99 ${q(all, 0.99)} max ${q(all, 1)}; first-of-connection p50 ${q(first, 0.5)} max ${q(first, 1)}; ` +
        `n>0 p99 ${q(steady, 0.99)}; started after 1 s p99 ${q(late, 0.99)}; ` +
        `event-loop delay p99 ${(delay.percentile(99) / 1e6).toFixed(0)} max ${(delay.max / 1e6).toFixed(0)} ms`,
    );
    // The slowest requests: which connection, which request of it, when.
    const worst = [...hits].sort((a, b) => b.ms - a.ms).slice(0, 8);
    console.log('  worst:', worst.map((h) => `c${h.conn}#${h.n}@${h.start.toFixed(0)}:${h.ms.toFixed(0)}`).join(' '));
  }
  await app.close();
  await handle.close();
}
