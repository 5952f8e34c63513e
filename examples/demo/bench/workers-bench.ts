/**
 * Workers benchmark: the same job at parallelism 2 on the single event loop (`workers: 1`), in
 * one worker thread (`{ threads: 1 }`: the cost of worker mode) and in two worker threads
 * (`{ threads: 2 }`), for the demo's CSV → Parquet pipeline and a CPU-heavy JSON Lines → Avro
 * (deflate) pipeline. Throughput counts from the job's `running` event (every subtask up) to its
 * end; the start-up before it (workers load the job module) is printed separately.
 *
 * Every job runs in a fresh Node process (as a real job does), so every mode starts with a cold
 * JIT: run in one process, the single loop would reuse code the earlier rounds optimised while
 * each worker thread compiles it again (`BENCH_IN_PROCESS=1` measures that way, to compare).
 * Rounds rotate the order, the first round is a warm-up, the median of the others counts.
 *
 * Two rates per mode. The whole-run rate counts every record from `running` to the end, so it
 * includes what each fresh isolate pays first: V8's optimising compiler warming up (about 0.3 s of
 * CPU per worker at 1 M records), which in worker mode runs on the cores the workers need, while the
 * single loop's JIT uses the otherwise idle second core; the whole-run ratio therefore grows with
 * the job's length. The steady-state rate (as JMH and flink-benchmarks measure after warm-up) counts
 * only from when `BENCH_WARMUP_FRACTION` of the records (default 0.25) has been written to when
 * 95 % has (the drain and close left out too), from each sink subtask's `numRecordsSend` read every
 * 50 ms. Worker threads send their counters to the main registry every 250 ms, so each counter's
 * progress is interpolated between its own updates (summing first would pair one worker's fresh
 * value with the other's stale one) and the bench prints how far apart the updates around the
 * window's ends were. It is what a long-running job gets.
 *
 * Prints records/s, the ratios `threads:2 / workers:1` (target ≥ 1.7 on 2 idle cores) and
 * `threads:1 / workers:1` (the overhead, target ≥ 0.97), `os.availableParallelism()`, the load
 * average (a loaded machine cannot show the speed-up), and where the CPU went (Linux): the main
 * thread, the worker threads, and the helper threads every Node process has (V8's GC and JIT,
 * libuv's pool). From that, the speed-up two cores allow at the CPU cost per record that two
 * workers measured. The same two ratios follow for the steady state. Ends with one
 * `BENCH_JSON {...}` line (both rates, the steady state under `steadyState`).
 * Run: pnpm --filter @tributary/example-demo bench:workers (BENCH_SMOKE=1: small and one round).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type JobOptionsInput, loadJob, MetricRegistry, silentLogger } from '@tributary/core';
import { DEFAULT_DATASET, ensureDataset } from '../src/demo-dataset.js';
import { writeJsonLinesCopy } from './jsonl-dataset.js';
import { type ProgressSample, type SteadyStateRate, steadyStateRate } from './steady-state-rate.js';
import { type CpuSplit, readThreadCpu, splitCpu } from './thread-cpu.js';
import type { WorkersBenchParams } from './workers-bench-job.js';

const SMOKE = process.env.BENCH_SMOKE === '1';
// 3 M by default: each job starts fresh worker threads (cold JIT), so short runs measure warm-up
// (at 1 M records each isolate's optimising compiler is about a tenth of the job's CPU).
const RECORDS = Number(process.env.BENCH_RECORDS ?? (SMOKE ? 20_000 : 3_000_000));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (SMOKE ? 1 : 3));
const IN_PROCESS = process.env.BENCH_IN_PROCESS === '1';
const PARALLELISM = 2;
/**
 * BENCH_NODE_FLAGS: V8/Node flags for every job process, so every mode runs with the same heap and
 * GC settings (e.g. `--max-semi-space-size=32`, `--single-threaded-gc`); ignored with BENCH_IN_PROCESS.
 */
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
/** BENCH_PIPELINES: comma-separated subset of `csv→parquet`, `json→avro` (ASCII `->` works too). */
const PIPELINES = (process.env.BENCH_PIPELINES ?? 'csv→parquet,json→avro').replaceAll('->', '→').split(',');
/** BENCH_READ_CHUNK_KB: the files source's read chunk (KB), to see how batch lifetime moves GC work. */
const READ_CHUNK_BYTES =
  process.env.BENCH_READ_CHUNK_KB === undefined ? undefined : Number(process.env.BENCH_READ_CHUNK_KB) * 1024;
/** BENCH_YOUNG_MB: the worker threads' young generation (MB), to compare with the default. */
const YOUNG_MB = process.env.BENCH_YOUNG_MB === undefined ? undefined : Number(process.env.BENCH_YOUNG_MB);
/**
 * BENCH_WARMUP_FRACTION: the steady-state rate counts from when this fraction of the records has
 * been written (default 0.25) to when 95 % has, leaving out JIT warm-up and the drain and close.
 */
const WARMUP_FRACTION = Number(process.env.BENCH_WARMUP_FRACTION ?? 0.25);
const STEADY_END_FRACTION = 0.95;
/**
 * How often the job process reads the sink's record counter. Counters of worker threads reach the
 * main registry every 250 ms (the workers' metrics interval), so the window's ends are interpolated
 * between updates; the bench prints how far apart the updates around them were.
 */
const PROGRESS_SAMPLE_MS = 50;
const jobModule = new URL('./workers-bench-job.ts', import.meta.url);
/** Argument that makes this script run one job and print its timing (the fresh process per job). */
const CHILD_FLAG = '--one-job';

type ConfigName = 'workers:1' | 'threads:1' | 'threads:2';
const configs: { readonly name: ConfigName; readonly workers: JobOptionsInput['workers'] }[] = [
  { name: 'workers:1', workers: 1 },
  { name: 'threads:1', workers: { threads: 1 } },
  { name: 'threads:2', workers: { threads: 2 } },
];

/**
 * One job run: wall time, the time from `running` (every subtask up) to the end, the process's CPU
 * time over that processing time (every thread), and its split by thread where /proc tells.
 */
interface Timing {
  readonly totalMs: number;
  readonly processingMs: number;
  readonly cpuMs: number;
  readonly cpu: CpuSplit | undefined;
  /** Records/s once warmed up (see BENCH_WARMUP_FRACTION); undefined when too short to sample. */
  readonly steady: SteadyStateRate | undefined;
}

interface JobSpec {
  readonly pipeline: WorkersBenchParams['pipeline'];
  readonly input: string;
  readonly out: string;
  readonly config: ConfigName;
}

async function runJob({ pipeline, input, out, config }: JobSpec): Promise<Timing> {
  const workers = (configs.find((c) => c.name === config) as (typeof configs)[number]).workers;
  await rm(out, { recursive: true, force: true });
  const job = await loadJob<WorkersBenchParams>(jobModule, {
    pipeline,
    input,
    output: join(out, 'data'),
    readChunkBytes: READ_CHUNK_BYTES,
  });
  const metrics = new MetricRegistry();
  const start = performance.now();
  let runningAt = start;
  let cpuAtRunning = process.cpuUsage();
  let threadsAtRunning = readThreadCpu();
  // Progress of each sink subtask (records written), from the main registry: workers' counters
  // arrive there. Sampled from `running` on, like the whole-run rate, so start-up never stretches
  // the window; a counter first seen later counted 0 at `running` (no worker had sent it yet).
  const progress = new Map<string, ProgressSample[]>();
  let sampledFrom: number | undefined;
  const sampleProgress = () => {
    const atMs = performance.now();
    const firstPoll = sampledFrom === undefined;
    sampledFrom ??= runningAt;
    for (const m of metrics.metrics()) {
      if (m.name !== 'numRecordsSend') continue;
      const key = JSON.stringify(m.labels);
      let series = progress.get(key);
      if (series === undefined) {
        series = firstPoll ? [] : [{ atMs: sampledFrom, records: 0 }];
        progress.set(key, series);
      }
      series.push({ atMs, records: m.read() ?? 0 });
    }
  };
  let sampler: ReturnType<typeof setInterval> | undefined;
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
    cpuAtRunning = process.cpuUsage();
    threadsAtRunning = readThreadCpu();
    sampleProgress();
    sampler = setInterval(sampleProgress, PROGRESS_SAMPLE_MS);
  });
  const result = await client.result.finally(() => clearInterval(sampler));
  const end = performance.now();
  sampleProgress();
  const cpu = process.cpuUsage(cpuAtRunning);
  const threadsAtEnd = readThreadCpu();
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const written = metrics.sum('numRecordsSend');
  if (written !== RECORDS) {
    throw new Error(`${pipeline} ${config}: wrote ${written} records, expected ${RECORDS}`);
  }
  const expected = workers === 1 ? 'local' : 'threads';
  if (result.workers.mode !== expected)
    throw new Error(`ran in ${result.workers.mode}, expected ${expected}`);
  return {
    totalMs: end - start,
    processingMs: end - runningAt,
    cpuMs,
    cpu: threadsAtRunning && threadsAtEnd ? splitCpu(threadsAtRunning, threadsAtEnd, cpuMs) : undefined,
    steady: steadyStateRate([...progress.values()], RECORDS, WARMUP_FRACTION, STEADY_END_FRACTION),
  };
}

const execFileAsync = promisify(execFile);

/** Runs one job in a fresh Node process with this process's flags (the TypeScript loader). */
async function runJobInChild(spec: JobSpec): Promise<Timing> {
  const { stdout } = await execFileAsync(
    process.execPath,
    [...NODE_FLAGS, ...process.execArgv, fileURLToPath(import.meta.url), CHILD_FLAG, JSON.stringify(spec)],
    { maxBuffer: 1024 * 1024 },
  );
  const line = stdout.split('\n').find((l) => l.startsWith('TIMING '));
  if (line === undefined) throw new Error(`job process printed no timing: ${stdout}`);
  return JSON.parse(line.slice('TIMING '.length)) as Timing;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'trib-workers-bench-'));
  try {
    const csvDir = join(work, 'csv');
    await ensureDataset(csvDir, { ...DEFAULT_DATASET, records: RECORDS, badRatio: 0 });
    const jsonDir = join(work, 'jsonl');
    await writeJsonLinesCopy(csvDir, jsonDir);
    const cores = availableParallelism();
    const loadBefore = loadavg()[0] ?? 0;
    process.stdout.write(
      `workers bench: ${RECORDS} records, parallelism ${PARALLELISM}, ${ROUNDS} rounds + warm-up, ${IN_PROCESS ? 'all jobs in this process' : 'each job in a fresh process'}${NODE_FLAGS.length > 0 ? ` with ${NODE_FLAGS.join(' ')}` : ''}, availableParallelism ${cores}, load average ${loadBefore.toFixed(1)}\n`,
    );
    const report: Record<string, unknown>[] = [];
    for (const [pipeline, input] of (
      [
        ['csv→parquet', csvDir],
        ['json→avro', jsonDir],
      ] as const
    ).filter(([name]) => PIPELINES.includes(name))) {
      const times = new Map<ConfigName, Timing[]>(configs.map((c) => [c.name, []]));
      for (let round = 0; round <= ROUNDS; round++) {
        // Rotate the order every round, so no configuration always runs first or last.
        const order = configs.map(
          (_, i) => configs[(i + round) % configs.length] as (typeof configs)[number],
        );
        for (const c of order) {
          const spec = { pipeline, input, out: join(work, 'out', c.name), config: c.name };
          const timing = IN_PROCESS ? await runJob(spec) : await runJobInChild(spec);
          if (round > 0 || ROUNDS === 0) times.get(c.name)?.push(timing);
        }
      }
      const of = (name: ConfigName) => times.get(name) as Timing[];
      // Throughput once every subtask runs (start-up excluded: workers load the job module first),
      // and the start-up itself (the median difference between wall time and processing time).
      const rate = (name: ConfigName) => (RECORDS * 1000) / median(of(name).map((t) => t.processingMs));
      const startup = (name: ConfigName) => median(of(name).map((t) => t.totalMs - t.processingMs));
      const wallRate = (name: ConfigName) => (RECORDS * 1000) / median(of(name).map((t) => t.totalMs));
      // Cores kept busy while processing: a single loop above 1 means helper threads (V8's GC and
      // JIT, libuv) already use part of the second core, which caps what a second worker can add.
      const coresBusy = (name: ConfigName) => median(of(name).map((t) => t.cpuMs / t.processingMs));
      /** CPU ms per 1000 records by thread group, of the run with the median CPU time. */
      const split = (name: ConfigName) => {
        const runs = [...of(name)].sort((a, b) => a.cpuMs - b.cpuMs);
        const t = runs[Math.floor(runs.length / 2)] as Timing;
        if (t.cpu === undefined) return undefined;
        const perK = (ms: number) => Number(((ms * 1000) / RECORDS).toFixed(2));
        return {
          total: perK(t.cpuMs),
          main: perK(t.cpu.main),
          workers: perK(t.cpu.workers),
          helpers: perK(t.cpu.helpers),
        };
      };
      // Steady state: the median over rounds of the rate from WARMUP_FRACTION to 95 % of the records;
      // undefined when any round was too short to time its window.
      const steadyRuns = (name: ConfigName) =>
        of(name).flatMap((t) => (t.steady === undefined ? [] : [t.steady]));
      const steadyRate = (name: ConfigName) => {
        const runs = steadyRuns(name);
        return runs.length === 0 || runs.length < of(name).length
          ? undefined
          : median(runs.map((r) => r.recordsPerSecond));
      };
      const steadyWindowMs = (name: ConfigName) => median(steadyRuns(name).map((r) => r.windowMs));
      /** The widest gap between counter updates that any round's window ends fell in. */
      const steadyResolutionMs = (name: ConfigName) =>
        Math.max(...steadyRuns(name).map((r) => r.resolutionMs));
      const steadyRatio = (a: ConfigName, b: ConfigName) => {
        const x = steadyRate(a);
        const y = steadyRate(b);
        return x === undefined || y === undefined ? undefined : x / y;
      };
      const steadyLabel = `${Math.round(WARMUP_FRACTION * 100)}–${Math.round(STEADY_END_FRACTION * 100)} % of the records`;
      const single = rate('workers:1');
      const one = rate('threads:1');
      const two = rate('threads:2');
      for (const c of configs) {
        const s = split(c.name);
        process.stdout.write(
          `  ${pipeline.padEnd(12)} ${c.name.padEnd(10)} ${Math.round(rate(c.name)).toLocaleString('en-US').padStart(9)} records/s ` +
            `(start-up ${Math.round(startup(c.name))} ms; with start-up ${Math.round(wallRate(c.name)).toLocaleString('en-US')} records/s; ` +
            `cores busy ${coresBusy(c.name).toFixed(2)})` +
            (steadyRate(c.name) === undefined
              ? `\n      steady state (${steadyLabel}): run too short to time at ${PROGRESS_SAMPLE_MS} ms samples`
              : `\n      steady state (${steadyLabel}) ${Math.round(steadyRate(c.name) as number).toLocaleString('en-US')} records/s ` +
                `over ${Math.round(steadyWindowMs(c.name))} ms (window ends interpolated within counter updates at most ${Math.round(steadyResolutionMs(c.name))} ms apart)`) +
            (s
              ? `\n      CPU ms per 1000 records: ${s.total.toFixed(2)} = main thread ${s.main.toFixed(2)} + worker threads ${s.workers.toFixed(2)} + helper threads (V8 GC/JIT, libuv) ${s.helpers.toFixed(2)}`
              : '') +
            '\n',
        );
      }
      // Two workers cannot process faster than the cores supply the CPU a record costs with two
      // workers (every thread counted): the speed-up that allows, against the measured single loop.
      const s2 = split('threads:2');
      const usable = Math.min(cores, 2);
      const cpuBound = s2 ? (usable * 1000) / s2.total / (single / 1000) : undefined;
      process.stdout.write(
        `  ${pipeline.padEnd(12)} threads:2 / workers:1 = ${(two / single).toFixed(2)}   threads:1 / workers:1 = ${(one / single).toFixed(2)}` +
          (cpuBound === undefined
            ? ''
            : `   at most ${cpuBound.toFixed(2)} on ${usable} cores at the CPU per record threads:2 spent`) +
          '\n',
      );
      const steady2 = steadyRatio('threads:2', 'workers:1');
      const steady1 = steadyRatio('threads:1', 'workers:1');
      process.stdout.write(
        `  ${pipeline.padEnd(12)} steady state (${steadyLabel}): ` +
          (steady2 === undefined || steady1 === undefined
            ? 'not measured (a run too short to time)'
            : `threads:2 / workers:1 = ${steady2.toFixed(2)}   threads:1 / workers:1 = ${steady1.toFixed(2)}`) +
          '\n',
      );
      const steadyOf = (name: ConfigName) => {
        const r = steadyRate(name);
        return r === undefined ? undefined : Math.round(r);
      };
      report.push({
        pipeline,
        recordsPerSecond: {
          single: Math.round(single),
          threads1: Math.round(one),
          threads2: Math.round(two),
        },
        startupMs: Object.fromEntries(configs.map((c) => [c.name, Math.round(startup(c.name))])),
        coresBusy: Object.fromEntries(configs.map((c) => [c.name, Number(coresBusy(c.name).toFixed(2))])),
        cpuMsPer1000Records: Object.fromEntries(configs.map((c) => [c.name, split(c.name)])),
        speedup2vs1: Number((two / single).toFixed(3)),
        overheadRatio: Number((one / single).toFixed(3)),
        wallSpeedup2vs1: Number((wallRate('threads:2') / wallRate('workers:1')).toFixed(3)),
        cpuBoundSpeedup2vs1: cpuBound === undefined ? undefined : Number(cpuBound.toFixed(3)),
        steadyState: {
          fromFraction: WARMUP_FRACTION,
          toFraction: STEADY_END_FRACTION,
          recordsPerSecond: {
            single: steadyOf('workers:1'),
            threads1: steadyOf('threads:1'),
            threads2: steadyOf('threads:2'),
          },
          windowMs: Object.fromEntries(configs.map((c) => [c.name, Math.round(steadyWindowMs(c.name))])),
          resolutionMs: Object.fromEntries(
            configs.map((c) => [c.name, Math.round(steadyResolutionMs(c.name))]),
          ),
          speedup2vs1: steady2 === undefined ? undefined : Number(steady2.toFixed(3)),
          overheadRatio: steady1 === undefined ? undefined : Number(steady1.toFixed(3)),
        },
      });
    }
    const loadAfter = loadavg()[0] ?? 0;
    process.stdout.write(
      `BENCH_JSON ${JSON.stringify({ bench: 'workers', records: RECORDS, nodeFlags: NODE_FLAGS, parallelism: PARALLELISM, inProcess: IN_PROCESS, availableParallelism: cores, loadAverage: [Number(loadBefore.toFixed(1)), Number(loadAfter.toFixed(1))], results: report })}\n`,
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const childAt = process.argv.indexOf(CHILD_FLAG);
if (childAt >= 0) {
  const timing = await runJob(JSON.parse(process.argv[childAt + 1] as string) as JobSpec);
  process.stdout.write(`TIMING ${JSON.stringify(timing)}\n`);
} else {
  await main();
}
