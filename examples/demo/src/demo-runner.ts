import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { JobOptionsInput, JobResult } from '@tributary/core';
import { type DatasetManifest, type DatasetOptions, DEFAULT_DATASET, ensureDataset } from './demo-dataset.js';
import { type DemoPaths, demoPaths, startDemoJob } from './demo-job.js';
import { type DemoOutputStats, readOutputStats } from './demo-output.js';
import { ProgressReporter, type ProgressTarget, sampleMetrics } from './progress-reporter.js';

/** Options of one `pnpm demo` run. */
export interface DemoRunOptions {
  /** Workspace root: input/, output/, dead-letter/, checkpoints/ go below it. */
  readonly dir: string;
  readonly dataset?: DatasetOptions;
  readonly parallelism?: number;
  /** Job option `workers` (default `'auto'`: one worker thread per core, capped by parallelism). */
  readonly workers?: JobOptionsInput['workers'];
  readonly checkpointIntervalMs?: number;
  /** Delete output, dead letters, checkpoints and the done marker first (the input is kept). */
  readonly fresh?: boolean;
  /** Serve the job's metrics for Prometheus on this port (0 = any free port). */
  readonly metricsPort?: number;
  /** How long the endpoint keeps serving the final values after the job (default 30 s). */
  readonly metricsLingerMs?: number;
  /** The job name (`job_name` label of the metrics); default `orders-demo`. */
  readonly jobName?: string;
  /** Progress and summary go here (default: process.stdout). */
  readonly out?: ProgressTarget;
}

/** What a run did. */
export interface DemoRunResult {
  /** `finished`: the job ran to the end now. `already-finished`: a previous run had finished. */
  readonly outcome: 'finished' | 'already-finished';
  readonly manifest: DatasetManifest;
  readonly stats: DemoOutputStats;
  /** True when the output holds every valid row and every bad row once (by count). */
  readonly complete: boolean;
  readonly restoredFromCheckpointId: number | undefined;
  readonly checkpoints: number;
  readonly durationMs: number;
  readonly recordsInThisRun: number;
  /** Where the subtasks ran (undefined when a previous run had finished). */
  readonly workers: JobResult['workers'] | undefined;
}

const fmt = new Intl.NumberFormat('en-US');

/** Generates the dataset if needed, runs (or resumes) the job, and prints a summary. */
export async function runDemo(options: DemoRunOptions): Promise<DemoRunResult> {
  const out = options.out ?? process.stdout;
  const paths = demoPaths(options.dir);
  if (options.fresh) await clearRun(paths);
  const started = Date.now();
  const manifest = await ensureDataset(paths.input, options.dataset ?? DEFAULT_DATASET);

  const done = await readDone(paths);
  if (done !== undefined) {
    const stats = await readOutputStats(paths.output, paths.deadLetter);
    out.write(
      `The previous run finished at ${done.finishedAt}; its output is in ${paths.output}.\n` +
        'Run `pnpm demo -- --fresh` to start over.\n',
    );
    printSummary(out, paths, manifest, stats, undefined);
    return {
      outcome: 'already-finished',
      manifest,
      stats,
      complete: isComplete(manifest, stats),
      restoredFromCheckpointId: undefined,
      checkpoints: 0,
      durationMs: Date.now() - started,
      recordsInThisRun: 0,
      workers: undefined,
    };
  }

  const resuming = await hasCheckpoint(paths);
  out.write(
    resuming
      ? `Resuming from the last checkpoint in ${paths.checkpoints}\n`
      : `Reading ${manifest.files.length} CSV files (${fmt.format(options.dataset?.records ?? DEFAULT_DATASET.records)} rows, ` +
          `${(manifest.bytes / 1e6).toFixed(1)} MB) from ${paths.input}\n`,
  );
  const filesDone = new Set<string>();
  // CPU time of every thread (event loop, worker threads, GC and JIT helpers) while the job runs.
  const cpuAtStart = process.cpuUsage();
  const jobStarted = Date.now();
  const client = await startDemoJob(paths, {
    parallelism: options.parallelism ?? 2,
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    checkpointIntervalMs: options.checkpointIntervalMs ?? 1000,
    onFileDone: (path) => filesDone.add(path),
    ...(options.metricsPort === undefined ? {} : { metricsPort: options.metricsPort }),
    ...(options.metricsLingerMs === undefined ? {} : { metricsLingerMs: options.metricsLingerMs }),
    ...(options.jobName === undefined ? {} : { jobName: options.jobName }),
  });
  if (options.metricsPort !== undefined) {
    const reporters = await client.metricReporters();
    const url = reporters.map((r) => (r as { url?: unknown }).url).find((u) => typeof u === 'string');
    if (url) out.write(`Metrics: ${url}\n`);
  }
  let result: JobResult | undefined;
  const progress = new ProgressReporter(
    out,
    () => ({
      ...sampleMetrics(client.metrics),
      // Known on the main loop only (the callback is a closure; workers cannot call it).
      filesDone: options.workers === 1 ? filesDone.size : undefined,
      filesTotal: manifest.files.length,
    }),
    manifest.bytes,
  );
  progress.start();
  try {
    result = await client.result;
  } finally {
    progress.stop();
  }
  const cpu = process.cpuUsage(cpuAtStart);
  const jobMs = Date.now() - jobStarted;
  const recordsInThisRun = sampleMetrics(client.metrics).recordsIn;
  const stats = await readOutputStats(paths.output, paths.deadLetter);
  await writeFile(
    paths.doneMarker,
    `${JSON.stringify({ finishedAt: new Date().toISOString(), stats }, null, 2)}\n`,
  );
  const durationMs = Date.now() - started;
  printSummary(out, paths, manifest, stats, {
    durationMs,
    checkpoints: result.completedCheckpoints,
    restoredFrom: result.restoredFromCheckpointId,
    recordsIn: recordsInThisRun,
    workers: result.workers,
    jobMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
  });
  if (options.metricsPort !== undefined && options.metricsLingerMs !== 0) {
    const lingerS = (options.metricsLingerMs ?? 30_000) / 1000;
    out.write(`Metrics: serving the final values for ${lingerS} s for a last scrape (Ctrl-C to leave now)\n`);
  }
  return {
    outcome: 'finished',
    manifest,
    stats,
    complete: isComplete(manifest, stats),
    restoredFromCheckpointId: result.restoredFromCheckpointId,
    checkpoints: result.completedCheckpoints,
    durationMs,
    recordsInThisRun,
    workers: result.workers,
  };
}

function isComplete(manifest: DatasetManifest, stats: DemoOutputStats): boolean {
  return stats.parquetRows === manifest.validRecords && stats.deadLetterRows === manifest.badRecords;
}

function printSummary(
  out: ProgressTarget,
  paths: DemoPaths,
  manifest: DatasetManifest,
  stats: DemoOutputStats,
  run:
    | {
        durationMs: number;
        checkpoints: number;
        restoredFrom: number | undefined;
        recordsIn: number;
        workers: JobResult['workers'];
        /** Wall time and process CPU time (all threads) from the job's start to its end. */
        jobMs: number;
        cpuMs: number;
      }
    | undefined,
): void {
  const total = manifest.validRecords + manifest.badRecords;
  const lines = [
    '',
    'Summary',
    `  records in        ${fmt.format(total)} rows in ${manifest.files.length} files` +
      (run
        ? ` (this run read ${fmt.format(run.recordsIn)} CSV lines incl. headers${run.restoredFrom !== undefined ? `, resumed from checkpoint ${run.restoredFrom}` : ''})`
        : ''),
    `  records out       ${fmt.format(stats.parquetRows)} in ${stats.parquetFiles} Parquet files, ${stats.partitions} partitions (${stats.successMarkers} with _SUCCESS)  → ${paths.output}`,
    `  dead-lettered     ${fmt.format(stats.deadLetterRows)} in ${stats.deadLetterFiles} JSON Lines files  → ${paths.deadLetter}`,
    `  expected          ${fmt.format(manifest.validRecords)} valid + ${fmt.format(manifest.badRecords)} bad: ` +
      (isComplete(manifest, stats) ? 'every record exactly once ✓' : 'MISMATCH ✗'),
  ];
  if (run) {
    const secs = run.durationMs / 1000;
    lines.push(
      `  checkpoints       ${run.checkpoints} completed (${paths.checkpoints})`,
      `  workers           ${describeWorkers(run.workers)} (${availableParallelism()} cores available)`,
      `  time              ${secs.toFixed(1)} s (${fmt.format(Math.round(run.recordsIn / Math.max(secs, 0.001)))} records/s)`,
      `  CPU               ${(run.cpuMs / 1000).toFixed(1)} s of process CPU time in ${(run.jobMs / 1000).toFixed(1)} s of job: ${(run.cpuMs / Math.max(run.jobMs, 1)).toFixed(2)} cores busy`,
    );
  }
  out.write(`${lines.join('\n')}\n`);
}

function describeWorkers(workers: JobResult['workers']): string {
  if (workers.mode === 'local') return '1 (every subtask on the main event loop)';
  return `${workers.count} worker ${workers.count === 1 ? workers.mode.slice(0, -1) : workers.mode}`;
}

async function readDone(paths: DemoPaths): Promise<{ finishedAt: string } | undefined> {
  try {
    return JSON.parse(await readFile(paths.doneMarker, 'utf8')) as { finishedAt: string };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function hasCheckpoint(paths: DemoPaths): Promise<boolean> {
  try {
    return (await readdir(paths.checkpoints)).some((n) => n.startsWith('chk-'));
  } catch {
    return false;
  }
}

async function clearRun(paths: DemoPaths): Promise<void> {
  for (const p of [paths.output, paths.deadLetter, paths.checkpoints, paths.doneMarker]) {
    await rm(p, { recursive: true, force: true });
  }
}
