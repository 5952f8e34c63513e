import { spawn } from 'node:child_process';
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

/** Runs one bounded child job to its end and measures it; rejects with its output on failure. */
export async function runChildJob(admin: Admin, job: ChildJob): Promise<RunMeasurement> {
  const started = performance.now();
  const child = spawn(job.command, job.args, { cwd: job.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
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
  const timer = setTimeout(() => child.kill('SIGKILL'), job.timeoutMs);
  const code = await exited;
  const endedAt = performance.now();
  running = false;
  clearTimeout(timer);
  await watch;
  // Records flushed in the last moments before the exit: the exit is when they were all written.
  lastRecordAt ??= endedAt;
  firstRecordAt ??= (await highWatermark(admin, job.output)) > 0 ? endedAt : undefined;
  const result = /PEER_RESULT (\{.*\})/.exec(output);
  if (code !== 0 || result === null || firstRecordAt === undefined) {
    throw new Error(
      `${job.command} ${job.args.slice(-1).join(' ')} failed (exit ${code}):\n${output.slice(-4000)}`,
    );
  }
  const stats = JSON.parse(result[1] as string) as ProcessStats;
  return {
    ...stats,
    firstRecordMs: firstRecordAt - started,
    wallMs: endedAt - started,
    recordsPerSecond: job.records / Math.max(0.001, (lastRecordAt - firstRecordAt) / 1000),
  };
}
