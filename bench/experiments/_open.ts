import { connectDatabase } from '../../server/db/connect.ts';
for (const worker of [false, true, false, true]) {
  const t0 = performance.now();
  const h = await connectDatabase({ worker });
  const t1 = performance.now();
  await h.simpleQuery('select 1');
  await h.close();
  console.log(worker ? 'worker' : 'in-thread', (t1 - t0).toFixed(0), 'ms');
}
