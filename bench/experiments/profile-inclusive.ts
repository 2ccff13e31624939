/**
 * Bench experiment: inclusive (self + callees) share of a .cpuprofile's samples under frames whose
 * "function file:line" matches each pattern — what bench/harness.ts's self-time summary cannot say
 * (e.g. everything under kysely's compile, under the zod serializer). A sample counts once per pattern.
 *
 *   npx tsx bench/experiments/profile-inclusive.ts /tmp/browse.cpuprofile 'compile' 'core.js:133' …
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

const [file, ...patterns] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-inclusive.ts FILE PATTERN…');
const { nodes } = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[] };
const byId = new Map(nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const label = (n: Node) =>
  `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`;
const total = nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0);
const idle = nodes
  .filter((n) => n.callFrame.functionName === '(idle)')
  .reduce((s, n) => s + (n.hitCount ?? 0), 0);
console.log(
  `${total} samples, ${((100 * idle) / total).toFixed(1)} % idle; shares below are of busy samples`,
);
for (const pattern of patterns) {
  const re = new RegExp(pattern);
  let hits = 0;
  for (const n of nodes) {
    if (!n.hitCount) continue;
    for (let at: Node | undefined = n; at; at = byId.get(parent.get(at.id) ?? -1)) {
      if (re.test(label(at))) {
        hits += n.hitCount;
        break;
      }
    }
  }
  console.log(`${((100 * hits) / (total - idle)).toFixed(1).padStart(5)} %  ${pattern}`);
}
