/**
 * Kafka sink benchmark against the local broker of `@tributary/e2e` (started on first use).
 *
 * For 100 B and 1 KB records, in one run on the same broker, 3 partitions, parallelism 1:
 *  (a) `KafkaSink` (at-least-once, idempotent, acks all; a bounded job reading a data generator)
 *      vs a raw kafkajs producer loop with the same settings — idempotent, acks all, one request
 *      in flight, 1,000 records per request (the sink's `maxRecordsPerRequest`), the same
 *      partitioning. Both timed from connect to the last acknowledgement (the job includes its
 *      start-up; the loop builds each request while none is in flight, as an application would).
 *  (b) exactly-once vs at-least-once `KafkaSink`, both with 1 s checkpoints.
 * Each pair runs once to warm up, then ROUNDS times in alternating order; a ratio is the median of
 * the per-round ratios (drift between rounds cancels). Prints a table with the load average (the
 * machine may be shared: compare ratios, not absolute rates) and one `BENCH_JSON {...}` line.
 * Targets: (a) ≥ 0.9, (b) ≥ 0.85; nothing fails on them.
 *
 * Run: `pnpm --filter @tributary/connector-kafka bench:sink` (`BENCH_SCALE=0.2` for a quick run,
 * `BENCH_ROUNDS=7` for more rounds).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DataGeneratorSource, Pipeline, silentLogger } from '@tributary/core';
import { type KafkaService, useService } from '@tributary/e2e';
import { Kafka, logLevel } from 'kafkajs';
import { kafkaRecordSerializer } from '../src/sink/kafka-record-serializer.js';
import { KafkaSink } from '../src/sink/kafka-sink.js';
import type { KafkaSinkOptionsInput } from '../src/sink/kafka-sink-options.js';
import { alternatingRounds } from './alternating-rounds.js';

const PARTITIONS = 3;
/** Records per produce request on both sides (the sink's default `maxRecordsPerRequest`). */
const RECORDS_PER_REQUEST = 1000;
const scale = Number(process.env.BENCH_SCALE ?? 1);
const ROUNDS = Math.max(5, Number(process.env.BENCH_ROUNDS ?? 5));
const SIZES = [
  { label: '100B', bytes: 100, records: Math.round(300_000 * scale) },
  { label: '1KB', bytes: 1024, records: Math.round(100_000 * scale) },
];

/** One workload: `records` values of `payload`, appended to `topic` (one topic per size for every run). */
interface Workload {
  readonly kafka: KafkaService;
  readonly topic: string;
  readonly payload: Buffer;
  readonly records: number;
  readonly checkpointDir: string;
}

async function timed(run: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

/** The baseline: kafkajs's own idempotent producer, one awaited request of 1,000 records at a time. */
function rawProducerLoop(w: Workload): Promise<number> {
  return timed(async () => {
    const producer = new Kafka({ ...w.kafka.kafkaConfig(), logLevel: logLevel.NOTHING }).producer({
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    for (let sent = 0; sent < w.records; sent += RECORDS_PER_REQUEST) {
      const n = Math.min(RECORDS_PER_REQUEST, w.records - sent);
      await producer.send({
        topic: w.topic,
        acks: -1,
        messages: Array.from({ length: n }, (_, i) => ({
          partition: (sent + i) % PARTITIONS,
          value: w.payload,
        })),
      });
    }
    await producer.disconnect();
  });
}

let jobs = 0;

/** A bounded job (its own checkpoint directory): data generator → `KafkaSink` with `options`, optionally checkpointing every second. */
function sinkJob(
  w: Workload,
  options: Partial<KafkaSinkOptionsInput>,
  checkpointed: boolean,
): Promise<number> {
  return timed(async () => {
    await Pipeline.from(new DataGeneratorSource<number>({ generator: (i) => i, count: w.records }))
      .sinkTo(
        new KafkaSink<number>(
          { brokers: w.kafka.brokers, ...options },
          kafkaRecordSerializer({
            topic: w.topic,
            value: () => w.payload,
            partitioner: (i) => i % PARTITIONS,
          }),
        ),
      )
      .execute(
        {
          parallelism: 1,
          ...(checkpointed
            ? { checkpointing: { intervalMs: 1000, directory: join(w.checkpointDir, String(++jobs)) } }
            : {}),
        },
        { logger: silentLogger },
      );
  });
}

const kafka = await useService('kafka');
const checkpointDir = await mkdtemp(join(tmpdir(), 'kafka-sink-bench-'));
const rows: {
  size: string;
  variant: string;
  recordsPerSecond: number;
  mbPerSecond: number;
  ratio?: number;
  vs?: string;
}[] = [];
const loadBefore = loadavg();
try {
  for (const size of SIZES) {
    const topic = await kafka.createTopic({ prefix: `bench-sink-${size.label}`, partitions: PARTITIONS });
    const w: Workload = {
      kafka,
      topic,
      payload: Buffer.alloc(size.bytes, 0x61),
      records: size.records,
      checkpointDir,
    };
    const rate = (ms: number) => ({
      recordsPerSecond: Math.round(size.records / (ms / 1000)),
      mbPerSecond: Math.round(((size.records * size.bytes) / 1e6 / (ms / 1000)) * 100) / 100,
    });
    const raw = await alternatingRounds(
      ROUNDS,
      () => rawProducerLoop(w),
      () => sinkJob(w, { deliveryGuarantee: 'at-least-once' }, false),
    );
    /** Two rows per pair: the baseline, then the candidate with its ratio (> 1: faster). */
    const report = (result: typeof raw, baseline: string, candidate: string) => {
      rows.push({ size: size.label, variant: baseline, ...rate(result.baselineMs) });
      rows.push({
        size: size.label,
        variant: candidate,
        ...rate(result.candidateMs),
        ratio: 1 / result.candidateOverBaseline,
        vs: baseline,
      });
    };
    report(raw, 'kafkajs producer loop', 'KafkaSink at-least-once');
    const eos = await alternatingRounds(
      ROUNDS,
      () => sinkJob(w, { deliveryGuarantee: 'at-least-once' }, true),
      () =>
        sinkJob(
          w,
          { deliveryGuarantee: 'exactly-once', transactionalIdPrefix: `bench-${size.label}-${Date.now()}` },
          true,
        ),
    );
    report(eos, 'KafkaSink at-least-once, 1 s checkpoints', 'KafkaSink exactly-once, 1 s checkpoints');
  }
} finally {
  await rm(checkpointDir, { recursive: true, force: true });
  await kafka.close();
}
const load = [...loadBefore, ...loadavg()].map((l) => l.toFixed(2));
process.stdout.write(
  `\nKafka sink bench: ${PARTITIONS} partitions, parallelism 1, ${RECORDS_PER_REQUEST} records/request, 1 in flight; median of ${ROUNDS} alternating rounds after a warm-up; load average ${load.slice(0, 3).join(' ')} before, ${load.slice(3).join(' ')} after\n`,
);
process.stdout.write(
  '| size | variant | records/s | MB/s | ratio | vs |\n| --- | --- | --- | --- | --- | --- |\n',
);
for (const r of rows) {
  process.stdout.write(
    `| ${r.size} | ${r.variant} | ${r.recordsPerSecond} | ${r.mbPerSecond} | ${r.ratio?.toFixed(2) ?? ''} | ${r.vs ?? ''} |\n`,
  );
}
process.stdout.write(
  `BENCH_JSON ${JSON.stringify({ bench: 'connector-kafka-sink', partitions: PARTITIONS, rounds: ROUNDS, loadAverage: load, rows })}\n`,
);
