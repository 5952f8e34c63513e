import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parquetMetadata } from 'hyparquet';
import type { Admin } from 'kafkajs';
import type { ProcessStats } from './process-stats.js';

/** How a child job ran, as the orchestrator saw it and the child reported it. */
export interface RunMeasurement extends ProcessStats {
  /** Spawn to the first record in the output topic (start-up: JVM/Node, client, job graph). */
  readonly firstRecordMs: number;
  /** Spawn to exit. */
  readonly wallMs: number;
  /** Records per second while writing: first output record to the last one (high watermark). */
  readonly recordsPerSecond: number;
}

export interface ChildJob {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** Records the job copies (bounded input). */
  readonly records: number;
  /** The topic it writes; watched for its first record. */
  readonly output: string;
  /** Kill the job if it has not ended after this long. */
  readonly timeoutMs: number;
}

/** Sum of the output topic's high watermarks (uncommitted records and markers included). */
export async function highWatermark(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high), 0);
}

/** A spawned child job: when it was started, and its exit code with the tail of its output. */
interface SpawnedJob {
  readonly started: number;
  readonly exited: Promise<{
    readonly code: number | null;
    readonly output: string;
    readonly endedAt: number;
  }>;
}

/** Spawns `job`, collecting stdout and the tail of stderr; SIGKILLs it after its timeout. */
function spawnJob(job: ChildJob): SpawnedJob {
  const started = performance.now();
  const child = spawn(job.command, job.args, { cwd: job.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), job.timeoutMs);
  const exited = new Promise<{ code: number | null; output: string; endedAt: number }>((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output, endedAt: performance.now() });
    }),
  );
  return { started, exited };
}

/** The child's `PEER_RESULT {json}` line, or an error with its output when it failed. */
function peerResult<T>(job: ChildJob, code: number | null, output: string, ok = true): T {
  const result = /PEER_RESULT (\{.*\})/.exec(output);
  if (code !== 0 || result === null || !ok) {
    throw new Error(
      `${job.command} ${job.args.slice(-1).join(' ')} failed (exit ${code}):\n${output.slice(-4000)}`,
    );
  }
  return JSON.parse(result[1] as string) as T;
}

/** Runs one bounded child job to its end and measures it; rejects with its output on failure. */
export async function runChildJob(admin: Admin, job: ChildJob): Promise<RunMeasurement> {
  const { started, exited } = spawnJob(job);
  let firstRecordAt: number | undefined;
  let lastRecordAt: number | undefined;
  let running = true;
  // Polls the output's high watermark: when the first record lands and when all of them have.
  const watch = (async () => {
    while (running && lastRecordAt === undefined) {
      const written = await highWatermark(admin, job.output).catch(() => 0);
      const now = performance.now();
      if (written > 0) firstRecordAt ??= now;
      if (written >= job.records) lastRecordAt = now;
      else await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const { code, output, endedAt } = await exited;
  running = false;
  await watch;
  // Records flushed in the last moments before the exit: the exit is when they were all written.
  lastRecordAt ??= endedAt;
  firstRecordAt ??= (await highWatermark(admin, job.output)) > 0 ? endedAt : undefined;
  const stats = peerResult<ProcessStats>(job, code, output, firstRecordAt !== undefined);
  return {
    ...stats,
    firstRecordMs: (firstRecordAt as number) - started,
    wallMs: endedAt - started,
    recordsPerSecond: job.records / Math.max(0.001, (lastRecordAt - (firstRecordAt as number)) / 1000),
  };
}

/**
 * Runs one bounded files job (output: a directory) and measures it. Throughput is over the job's
 * own runtime (Flink's net runtime; Tributary's execute() to its end), start-up being the rest of
 * the wall time: a files job has no stream to watch for its first record. The rows are counted in
 * the Parquet footers with hyparquet (not the connector's reader).
 */
export async function runFileJob(job: ChildJob): Promise<RunMeasurement> {
  const { started, exited } = spawnJob(job);
  const { code, output, endedAt } = await exited;
  const stats = peerResult<ProcessStats & { runtimeMs: number }>(job, code, output);
  const rows = await parquetRows(job.output);
  if (rows !== job.records) throw new Error(`${job.output}: ${rows} Parquet rows, expected ${job.records}`);
  const wallMs = endedAt - started;
  return {
    cpuMs: stats.cpuMs,
    peakRssKb: stats.peakRssKb,
    firstRecordMs: wallMs - stats.runtimeMs,
    wallMs,
    recordsPerSecond: job.records / Math.max(0.001, stats.runtimeMs / 1000),
  };
}

/** Rows in the finished Parquet files under `dir` (hidden in-progress files skipped). */
async function parquetRows(dir: string): Promise<number> {
  let rows = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name.startsWith('.') || entry.name.startsWith('_')) continue;
    const bytes = await readFile(join(entry.parentPath, entry.name));
    const metadata = parquetMetadata(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    );
    rows += Number(metadata.num_rows);
  }
  return rows;
}
