import { setImmediate as nextTurn } from 'node:timers/promises';
import { DataGeneratorSource, DiscardingSink, MetricRegistry, Pipeline, silentLogger } from '../src/index.js';
interface Row { readonly id: number; readonly key: string }
const generate = (i: number): Row => ({ id: i, key: `k${i % 10_000}` });
const call = async (row: Row): Promise<number> => { await nextTurn(); return row.key.length + row.id; };
const N = Number(process.env.N ?? 500_000);
const modes = (process.env.MODES ?? 'loop,ordered,unordered').split(',');
const timeoutMs = process.env.TIMEOUT ? Number(process.env.TIMEOUT) : undefined;
const profile = { call };
async function loop() {
  let done = 0; let window: Row[] = [];
  const drain = async () => { done += (await Promise.all(window.map((r) => profile.call(r)))).length; window = []; };
  for (let i = 0; i < N; i++) { window.push(generate(i)); if (window.length === 100) await drain(); }
  return done;
}
async function stage(ordered: boolean) {
  const registry = new MetricRegistry();
  await Pipeline.from(new DataGeneratorSource<Row>({ generator: generate, count: N, maxRecordsPerPoll: 1000 }))
    .mapAsync((row, ctx) => profile.call(row), { capacity: 100, ordered, ...(timeoutMs ? { timeoutMs } : {}) })
    .sinkTo(new DiscardingSink<number>())
    .execute({ parallelism: 1 }, { logger: silentLogger, metricRegistry: registry });
}
const res: Record<string, number[]> = {};
const run = (m: string) => (m === 'loop' ? loop() : stage(m === 'ordered'));
for (const m of modes) await run(m);
const R = Number(process.env.R ?? 5);
for (let r = 0; r < R; r++) for (let k = 0; k < modes.length; k++) {
  const m = modes[(k + r) % modes.length] as string;
  const c = process.cpuUsage(); const t = performance.now();
  await run(m);
  const u = process.cpuUsage(c); const wall = performance.now() - t;
  (res[m] ??= []).push(((u.user + u.system) * 1000) / N);
  (res[`${m} wall`] ??= []).push((wall * 1e6) / N);
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
for (const [k, v] of Object.entries(res)) console.log(k.padEnd(18), 'ns/rec median', med(v).toFixed(0), v.map((x) => x.toFixed(0)).join(' '));
