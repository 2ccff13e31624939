/**
 * The PGlite worker thread: owns the embedded engine and answers the requests of
 * pglite-remote.ts, one at a time, in the order they arrive. It keeps no lock of its own: the
 * main thread's FIFO lock (pglite-dialect.ts) decides who talks to the engine, so a unit of work's
 * BEGIN … COMMIT arrives here as consecutive requests. Started through pglite-worker-entry.mjs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { PGlite } from '@electric-sql/pglite';
import { openPGlite } from './connect.ts';
import { createPGlitePreparedRead } from './prepared-read.ts';
import type { WorkerReply, WorkerRequest, WorkerStart } from './pglite-remote.ts';

const port = parentPort!;
const { dataDir, snapshot } = workerData as WorkerStart;

/** A database error as plain data: the main thread rebuilds it with the same fields (code, detail, …). */
function serializeError(error: unknown) {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), fields: {} };
  const fields: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(error)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      fields[key] = value;
  }
  return { name: error.name, message: error.message, fields };
}

function reply(message: WorkerReply) {
  port.postMessage(message);
}

async function serve(pglite: PGlite) {
  const preparedRead = createPGlitePreparedRead(pglite);
  const unlistens = new Map<number, () => Promise<void>>();

  const run = async (request: WorkerRequest): Promise<unknown> => {
    switch (request.op) {
      case 'exec':
        return (await pglite.exec(request.text)).map((r) => ({
          rows: r.rows,
          fields: r.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
          affectedRows: r.affectedRows,
        }));
      case 'query': {
        const r = await pglite.query(request.text, request.params);
        return { rows: r.rows, affectedRows: r.affectedRows };
      }
      case 'prepared':
        return preparedRead(request.statements);
      case 'listen': {
        const unlisten = await pglite.listen(request.channel, (payload) =>
          reply({ notify: request.subscription, payload }),
        );
        unlistens.set(request.subscription, unlisten);
        return null;
      }
      case 'unlisten': {
        const unlisten = unlistens.get(request.subscription);
        unlistens.delete(request.subscription);
        await unlisten?.();
        return null;
      }
      case 'close':
        if (!pglite.closed) await pglite.close();
        return null;
    }
  };

  // Requests run strictly one after another: PGlite serves one statement at a time anyway, and the
  // order is the main thread's lock order.
  let queue = Promise.resolve();
  port.on('message', (request: WorkerRequest) => {
    queue = queue.then(async () => {
      try {
        reply({ id: request.id, ok: true, value: await run(request) });
      } catch (error) {
        reply({ id: request.id, ok: false, error: serializeError(error) });
      }
      if (request.op === 'close') port.close();
    });
  });
  reply({ ready: true });
}

try {
  await serve(await openPGlite(dataDir, snapshot ? new Blob([snapshot]) : undefined));
} catch (error) {
  reply({ failed: serializeError(error) });
  port.close();
}
