/**
 * Workers benchmark: the same job at parallelism 2 on the single event loop (`workers: 1`), in
 * one worker thread (`{ threads: 1 }`: the cost of worker mode) and in two worker threads
 * (`{ threads: 2 }`), for the demo's CSV → Parquet pipeline and a CPU-heavy JSON Lines → Avro
 * (deflate) pipeline. Throughput counts from the job's `running` event (every subtask up) to its
 * end; the start-up before it (workers load the job module) is printed separately. Every configuration runs the same job module in the same process; rounds
 * rotate the order, the first round is a warm-up, the median of the others counts. Prints
 * records/s, the ratios `threads:2 / workers:1` (target ≥ 1.7 on 2 idle cores) and
 * `threads:1 / workers:1` (the overhead, target ≥ 0.97), `os.availableParallelism()` and the load
 * average (a loaded machine cannot show the speed-up), plus one `BENCH_JSON {...}` line.
 * Run: pnpm --filter @tributary/example-demo bench:workers (BENCH_SMOKE=1: small and one round).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type JobOptionsInput, loadJob, MetricRegistry, silentLogger } from '@tributary/core';
import { DEFAULT_DATASET, ensureDataset } from '../src/demo-dataset.js';
import { writeJsonLinesCopy } from './jsonl-dataset.js';
import type { WorkersBenchParams } from './workers-bench-job.js';

const SMOKE = process.env.BENCH_SMOKE === '1';
// 1 M by default: each job starts fresh worker threads (cold JIT), so short runs measure warm-up.
const RECORDS = Number(process.env.BENCH_RECORDS ?? (SMOKE ? 20_000 : 1_000_000));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (SMOKE ? 1 : 3));
const PARALLELISM = 2;
/** BENCH_YOUNG_MB: the worker threads' young generation (MB), to compare with the default. */
const YOUNG_MB = process.env.BENCH_YOUNG_MB === undefined ? undefined : Number(process.env.BENCH_YOUNG_MB);
const jobModule = new URL('./workers-bench-job.ts', import.meta.url);

const configs: { readonly name: string; readonly workers: JobOptionsInput['workers'] }[] = [
  { name: 'workers:1', workers: 1 },
  { name: 'threads:1', workers: { threads: 1 } },
  { name: 'threads:2', workers: { threads: 2 } },
];

/**
 * One job run: wall time, the time from `running` (every subtask up) to the end, and the process's
 * CPU time over the run (every thread: the event loop, worker threads and V8's GC helper threads).
 */
interface Timing {
  readonly totalMs: number;
  readonly processingMs: number;
  readonly cpuMs: number;
}

async function run(
  pipeline: WorkersBenchParams['pipeline'],
  input: string,
  out: string,
  workers: JobOptionsInput['workers'],
): Promise<Timing> {
  await rm(out, { recursive: true, force: true });
  const job = await loadJob<WorkersBenchParams>(jobModule, { pipeline, input, output: join(out, 'data') });
  const metrics = new MetricRegistry();
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  let runningAt = start;
  const client = job.start(
    {
      parallelism: PARALLELISM,
      workers,
      checkpointing: { intervalMs: 1000, directory: join(out, 'chk') },
      ...(YOUNG_MB === undefined ? {} : { workerResourceLimits: { maxYoungGenerationSizeMb: YOUNG_MB } }),
    },
    { logger: silentLogger, metricRegistry: metrics },
  );
  client.on('running', () => {
    runningAt = performance.now();
  });
  const result = await client.result;
  const end = performance.now();
  const cpu = process.cpuUsage(cpuBefore);
  const written = metrics.sum('numRecordsSend');
  if (written !== RECORDS) {
    throw new Error(`${pipeline} ${JSON.stringify(workers)}: wrote ${written} records, expected ${RECORDS}`);
  }
  const expected = workers === 1 ? 'local' : 'threads';
  if (result.workers.mode !== expected)
    throw new Error(`ran in ${result.workers.mode}, expected ${expected}`);
  return { totalMs: end - start, processingMs: end - runningAt, cpuMs: (cpu.user + cpu.system) / 1000 };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

const work = await mkdtemp(join(tmpdir(), 'trib-workers-bench-'));
try {
  const csvDir = join(work, 'csv');
  await ensureDataset(csvDir, { ...DEFAULT_DATASET, records: RECORDS, badRatio: 0 });
  const jsonDir = join(work, 'jsonl');
  await writeJsonLinesCopy(csvDir, jsonDir);
  const cores = availableParallelism();
  const loadBefore = loadavg()[0] ?? 0;
  process.stdout.write(
    `workers bench: ${RECORDS} records, parallelism ${PARALLELISM}, ${ROUNDS} rounds + warm-up, availableParallelism ${cores}, load average ${loadBefore.toFixed(1)}\n`,
  );
  const report: Record<string, unknown>[] = [];
  for (const [pipeline, input] of [
    ['csv→parquet', csvDir],
    ['json→avro', jsonDir],
  ] as const) {
    const times = new Map<string, Timing[]>(configs.map((c) => [c.name, []]));
    for (let round = 0; round <= ROUNDS; round++) {
      // Rotate the order every round, so no configuration always runs first or last.
      const order = configs.map((_, i) => configs[(i + round) % configs.length] as (typeof configs)[number]);
      for (const c of order) {
        const timing = await run(pipeline, input, join(work, 'out', c.name), c.workers);
        if (round > 0 || ROUNDS === 0) times.get(c.name)?.push(timing);
      }
    }
    // Throughput once every subtask runs (start-up excluded: workers load the job module first),
    // and the start-up itself (the median difference between wall time and processing time).
    const rate = (name: string) =>
      (RECORDS * 1000) / median((times.get(name) as Timing[]).map((t) => t.processingMs));
    const startup = (name: string) =>
      median((times.get(name) as Timing[]).map((t) => t.totalMs - t.processingMs));
    const wallRate = (name: string) =>
      (RECORDS * 1000) / median((times.get(name) as Timing[]).map((t) => t.totalMs));
    // Cores kept busy over the whole run: a single loop above 1 means V8's GC helper threads
    // already use part of the second core, which caps what a second worker thread can add.
    const coresBusy = (name: string) => median((times.get(name) as Timing[]).map((t) => t.cpuMs / t.totalMs));
    const single = rate('workers:1');
    const one = rate('threads:1');
    const two = rate('threads:2');
    for (const c of configs) {
      process.stdout.write(
        `  ${pipeline.padEnd(12)} ${c.name.padEnd(10)} ${Math.round(rate(c.name)).toLocaleString('en-US').padStart(9)} records/s ` +
          `(start-up ${Math.round(startup(c.name))} ms; with start-up ${Math.round(wallRate(c.name)).toLocaleString('en-US')} records/s; ` +
          `cores busy ${coresBusy(c.name).toFixed(2)})\n`,
      );
    }
    process.stdout.write(
      `  ${pipeline.padEnd(12)} threads:2 / workers:1 = ${(two / single).toFixed(2)}   threads:1 / workers:1 = ${(one / single).toFixed(2)}\n`,
    );
    report.push({
      pipeline,
      recordsPerSecond: { single: Math.round(single), threads1: Math.round(one), threads2: Math.round(two) },
      startupMs: Object.fromEntries(configs.map((c) => [c.name, Math.round(startup(c.name))])),
      coresBusy: Object.fromEntries(configs.map((c) => [c.name, Number(coresBusy(c.name).toFixed(2))])),
      speedup2vs1: Number((two / single).toFixed(3)),
      overheadRatio: Number((one / single).toFixed(3)),
      wallSpeedup2vs1: Number((wallRate('threads:2') / wallRate('workers:1')).toFixed(3)),
    });
  }
  const loadAfter = loadavg()[0] ?? 0;
  process.stdout.write(
    `BENCH_JSON ${JSON.stringify({ bench: 'workers', records: RECORDS, parallelism: PARALLELISM, availableParallelism: cores, loadAverage: [Number(loadBefore.toFixed(1)), Number(loadAfter.toFixed(1))], results: report })}\n`,
  );
} finally {
  await rm(work, { recursive: true, force: true });
}
