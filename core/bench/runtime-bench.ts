/**
 * Core runtime benchmark: datagen → discarding sink through the runtime vs. a plain loop that
 * produces the same records in batches, in the same process and run; plus checkpoints every 1 s
 * vs none. Prints records/s and ratios (no pass/fail thresholds: numbers are for the report).
 * Run: pnpm --filter @tributary/core bench
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataGeneratorSource, DiscardingSink, MetricRegistry, Pipeline, silentLogger } from '../src/index.js';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 15_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const BATCH = 1000;

// 1 KB records: an id, an event time and a freshly allocated 1 KB payload per record (a generator
// that only hands out shared strings would measure the runtime against an empty loop).
interface Row {
  readonly id: number;
  readonly ts: number;
  readonly payload: Buffer;
}
const generate = (i: number): Row => {
  const payload = Buffer.allocUnsafe(1024);
  payload.writeUInt32LE(i, 0);
  payload.writeUInt32LE(i, 1020);
  return { id: i, ts: 1_700_000_000_000 + i, payload };
};

function plainLoop(): number {
  const start = performance.now();
  let sent = 0;
  let batch: Row[] = [];
  for (let i = 0; i < RECORDS; i++) {
    batch.push(generate(i));
    if (batch.length === BATCH) {
      sent += batch.length;
      batch = [];
    }
  }
  sent += batch.length;
  if (sent !== RECORDS) throw new Error('plain loop lost records');
  return RECORDS / ((performance.now() - start) / 1000);
}

async function throughRuntime(checkpointIntervalMs: number | undefined): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'trib-bench-'));
  const registry = new MetricRegistry();
  const start = performance.now();
  await Pipeline.from(
    new DataGeneratorSource<Row>({ generator: generate, count: RECORDS, maxRecordsPerPoll: BATCH }),
  )
    .sinkTo(new DiscardingSink<Row>())
    .execute(
      {
        parallelism: 1,
        checkpointing:
          checkpointIntervalMs === undefined ? {} : { intervalMs: checkpointIntervalMs, directory: dir },
      },
      { logger: silentLogger, metricRegistry: registry },
    );
  const seconds = (performance.now() - start) / 1000;
  await rm(dir, { recursive: true, force: true });
  if (registry.sum('numRecordsSend') !== RECORDS) throw new Error('runtime lost records');
  return RECORDS / seconds;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const plain: number[] = [];
const runtime: number[] = [];
const checkpointed: number[] = [];
plainLoop(); // warm-up
await throughRuntime(undefined);
// Rotate the order every round so garbage left by one variant does not always land on the same next one.
const variants: (() => Promise<void>)[] = [
  async () => void plain.push(plainLoop()),
  async () => void runtime.push(await throughRuntime(undefined)),
  async () => void checkpointed.push(await throughRuntime(1000)),
];
for (let r = 0; r < ROUNDS; r++) {
  for (let v = 0; v < variants.length; v++)
    await (variants[(v + r) % variants.length] as () => Promise<void>)();
}
const fmt = (n: number) =>
  `${(n / 1e6).toFixed(2)} M rec/s (${((n * 1024) / 2 ** 20).toFixed(0)} MiB/s of 1 KB records)`;
const result = {
  records: RECORDS,
  rounds: ROUNDS,
  plainLoop: median(plain),
  runtime: median(runtime),
  runtimeCheckpoint1s: median(checkpointed),
  // Ratios of the same round's pair, then the median: drift between rounds (GC, other load) cancels.
  runtimeVsPlain: median(runtime.map((r, i) => r / (plain[i] as number))),
  checkpoint1sVsNone: median(checkpointed.map((c, i) => c / (runtime[i] as number))),
};
console.log(
  `core bench: ${RECORDS} records x ${ROUNDS} rounds (median; ratios are medians of per-round pairs)`,
);
console.log(`  plain loop                       ${fmt(result.plainLoop)}`);
console.log(`  runtime, no checkpoints          ${fmt(result.runtime)}`);
console.log(`  runtime, checkpoints every 1 s   ${fmt(result.runtimeCheckpoint1s)}`);
console.log(
  `  ratio runtime / plain loop       ${result.runtimeVsPlain.toFixed(3)}  (overhead ${((1 - result.runtimeVsPlain) * 100).toFixed(1)}%)`,
);
console.log(`  ratio checkpoint 1 s / none      ${result.checkpoint1sVsNone.toFixed(3)}`);
console.log(`BENCH_JSON ${JSON.stringify({ bench: 'core-runtime', ...result })}`);
