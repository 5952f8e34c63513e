import { spawn } from 'node:child_process';
import type { Kafka } from 'kafkajs';
import type { ChildJob } from './peer-run.js';
import { embeddedTimestamp, eventJson } from './workload.js';

export interface LatencyResult {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly samples: number;
}

export interface LatencyRun {
  readonly kafka: Kafka;
  readonly input: string;
  readonly output: string;
  /** Records per second the producer holds (below either system's maximum). */
  readonly rate: number;
  readonly seconds: number;
  readonly size: number;
  readonly avroOutput: boolean;
  /** The job, unbounded, reading `input` and writing `output`. */
  readonly job: ChildJob;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * End-to-end latency at a fixed rate: the job runs unbounded; once a warm-up record has come
 * through, a producer writes `rate` records/s for `seconds` with the send time in each record, and
 * a read_committed consumer (kafkajs, not the connector) takes receive time − send time.
 */
export async function measureLatency(run: LatencyRun): Promise<LatencyResult> {
  const child = spawn(run.job.command, run.job.args, {
    cwd: run.job.cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  let exitCode: number | null | undefined;
  child.on('exit', (code) => {
    exitCode = code;
  });
  const producer = run.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer = run.kafka.consumer({ groupId: `${run.output}-latency`, maxWaitTimeInMs: 50 });
  const latencies: number[] = [];
  let warmedUp = false;
  try {
    await Promise.all([producer.connect(), consumer.connect()]);
    await consumer.subscribe({ topic: run.output, fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const now = Date.now();
        for (const message of batch.messages) {
          if (message.value === null) continue;
          const sent = embeddedTimestamp(message.value, run.avroOutput);
          if (sent === 0)
            warmedUp = true; // the warm-up record carries ts 0
          else latencies.push(now - sent);
        }
      },
    });
    const deadline = Date.now() + run.job.timeoutMs;
    while (!warmedUp) {
      if (exitCode !== undefined)
        throw new Error(`job exited (${exitCode}) before its first record:\n${stderr}`);
      if (Date.now() > deadline) throw new Error(`no warm-up record came through:\n${stderr}`);
      await producer.send({ topic: run.input, acks: -1, messages: [{ value: eventJson(-1, 0, run.size) }] });
      await sleep(500);
    }
    const total = Math.round(run.rate * run.seconds);
    const tickMs = 10;
    const perTick = Math.max(1, Math.round((run.rate * tickMs) / 1000));
    const started = Date.now();
    for (let sent = 0; sent < total; ) {
      const n = Math.min(perTick, total - sent);
      const messages = Array.from({ length: n }, (_, i) => ({
        value: eventJson(sent + i, Date.now(), run.size),
      }));
      await producer.send({ topic: run.input, acks: -1, messages });
      sent += n;
      const due = started + (sent / run.rate) * 1000;
      if (due > Date.now()) await sleep(due - Date.now());
    }
    const waitUntil = Date.now() + 30_000;
    while (latencies.length < total && Date.now() < waitUntil) await sleep(100);
    if (latencies.length < total)
      throw new Error(`latency run: ${latencies.length} of ${total} records arrived`);
  } finally {
    child.kill('SIGKILL');
    await Promise.allSettled([consumer.disconnect(), producer.disconnect()]);
  }
  const sorted = latencies.sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  return { p50Ms: at(0.5), p99Ms: at(0.99), samples: sorted.length };
}
