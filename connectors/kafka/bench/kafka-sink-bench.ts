/**
 * Kafka sink benchmark against the local broker of `@tributary/e2e`, in one run on the same
 * broker, for 100 B and 1 KB records:
 *  (a) a raw kafkajs produce loop vs `KafkaSink` (at-least-once) in a Tributary job (generator →
 *      sink, parallelism 1, no checkpoints), both with the same producer settings: idempotent,
 *      `acks: -1`, one request in flight (all kafkajs's idempotent producer allows, see
 *      docs/connectors/kafka.md), requests of the sink's default size (1 000 records or 1 MB);
 *      the raw loop builds its next batch while a send is in flight, as a careful user would.
 *      Each side writes a fresh topic with the same settings (3 partitions), records spread
 *      round-robin over the partitions on both sides; both times include client start-up.
 *  (b) the same as (a) with the job's source emitting 50-record polls: the sink accumulates them
 *      into full requests (`lingerMs`), the raw loop keeps its 1 000-record batches;
 *  (c) the same job with 1 s checkpoints, `exactly-once` vs `at-least-once`.
 * Each pair runs once to warm up, then ROUNDS rounds alternating the order within the pair;
 * medians of the runs and of the per-round ratios. Each run's CPU time of this process is
 * measured too (`process.cpuUsage`, all threads): CPU per record per side and the median of the
 * per-round CPU ratios, steadier than wall time, which follows how the OS shares the cores with
 * the brokers. Prints a table, the load average and one `BENCH_JSON {...}` line. Targets: sink ≥ 0.9 of raw, exactly-once ≥ 0.85 of at-least-once;
 * nothing fails on them.
 *
 * Run: `pnpm --filter @tributary/connector-kafka bench:sink` (`BENCH_ROUNDS`, default 5;
 * `BENCH_SCALE=0.05 BENCH_ROUNDS=1` for a smoke run of well under a minute;
 * `BENCH_SERVICE=kafka-cluster` for the 3-broker Kafka 4 cluster, topics replicated 3 times).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DataGeneratorSource, Pipeline, silentLogger } from '@tributary/core';
import { type KafkaService, type KafkaServiceName, useService } from '@tributary/e2e';
import { Kafka, logLevel } from 'kafkajs';
import { kafkaRecordSerializer } from '../src/sink/kafka-record-serializer.js';
import { KafkaSink } from '../src/sink/kafka-sink.js';
import { alternatingRounds } from './alternating-rounds.js';
import { rawSendLoop } from './raw-send-loop.js';

const PARTITIONS = 3;
/** The sink's defaults: a request is full at 1 000 records or 1 MB of values. */
const REQUEST_RECORDS = 1000;
const REQUEST_BYTES = 1_000_000;
/** Records per request on both sides for records of `bytes`. */
const requestRecords = (bytes: number) => Math.min(REQUEST_RECORDS, Math.floor(REQUEST_BYTES / bytes));
const scale = Number(process.env.BENCH_SCALE ?? 1);
const SERVICES: readonly KafkaServiceName[] = ['kafka', 'kafka-cluster'];
const SERVICE = (process.env.BENCH_SERVICE ?? 'kafka') as KafkaServiceName;
if (!SERVICES.includes(SERVICE)) throw new Error(`BENCH_SERVICE must be one of ${SERVICES.join(', ')}`);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
const SIZES = [
  { label: '100B', bytes: 100, records: Math.max(2000, Math.round(400_000 * scale)) },
  { label: '1KB', bytes: 1024, records: Math.max(2000, Math.round(150_000 * scale)) },
];

interface Throughput {
  readonly recordsPerSecond: number;
  readonly mbPerSecond: number;
  readonly ms: number;
}

function throughput(records: number, bytes: number, ms: number): Throughput {
  return {
    recordsPerSecond: Math.round(records / (ms / 1000)),
    mbPerSecond: Math.round(((records * bytes) / 1e6 / (ms / 1000)) * 100) / 100,
    ms: Math.round(ms),
  };
}

/** kafkajs's public producer, one awaited send at a time; the next batch is built while a send is in flight. */
async function rawProduce(
  kafka: KafkaService<KafkaServiceName>,
  topic: string,
  payload: Buffer,
  count: number,
): Promise<number> {
  const start = performance.now();
  const producer = new Kafka({ ...kafka.kafkaConfig(), logLevel: logLevel.NOTHING }).producer({
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  await rawSendLoop(producer, topic, payload, count, requestRecords(payload.length), PARTITIONS);
  await producer.disconnect();
  return performance.now() - start;
}

/** A generator → `KafkaSink` job, whole wall time (start-up included). */
async function sinkJob(
  kafka: KafkaService<KafkaServiceName>,
  topic: string,
  payload: Buffer,
  count: number,
  options: {
    guarantee: 'at-least-once' | 'exactly-once';
    recordsPerPoll?: number;
    checkpointDir?: string;
  },
): Promise<number> {
  const start = performance.now();
  await Pipeline.from(
    new DataGeneratorSource<number>({
      generator: (i) => i,
      count,
      maxRecordsPerPoll: options.recordsPerPoll ?? REQUEST_RECORDS,
    }),
  )
    .sinkTo(
      new KafkaSink<number>(
        {
          brokers: kafka.brokers,
          deliveryGuarantee: options.guarantee,
          ...(options.guarantee === 'exactly-once' ? { transactionalIdPrefix: `${topic}-bench` } : {}),
        },
        kafkaRecordSerializer({ topic, value: () => payload, partitioner: (i) => i % PARTITIONS }),
      ),
    )
    .execute(
      {
        parallelism: 1,
        ...(options.checkpointDir === undefined
          ? {}
          : { checkpointing: { intervalMs: 1000, directory: options.checkpointDir } }),
      },
      { logger: silentLogger },
    );
  return performance.now() - start;
}

/** Runs `body` on a fresh topic (same settings every time), deleted afterwards. */
async function onFreshTopic(
  kafka: KafkaService<KafkaServiceName>,
  prefix: string,
  body: (topic: string) => Promise<number>,
) {
  const topic = await kafka.createTopic({ prefix, partitions: PARTITIONS });
  try {
    return await body(topic);
  } finally {
    await kafka.deleteTopic(topic).catch(() => undefined);
  }
}

interface PairResult {
  readonly baseline: Throughput;
  readonly candidate: Throughput;
  /** Median of the per-round ratios candidate / baseline in records/s. */
  readonly ratio: number;
  /** Median CPU time of this process per record (all threads, whole run), µs, per side. */
  readonly cpuPerRecordUs: { readonly baseline: number; readonly candidate: number };
  /** Median of the per-round ratios candidate / baseline of CPU per record (> 1: the candidate costs more). */
  readonly cpuRatio: number;
}

/** `run` that also appends the process's CPU time (user + system, ms) of each call to `cpuMs`. */
function withCpu(run: () => Promise<number>, cpuMs: number[]): () => Promise<number> {
  return async () => {
    const before = process.cpuUsage();
    const ms = await run();
    const used = process.cpuUsage(before);
    cpuMs.push((used.user + used.system) / 1000);
    return ms;
  };
}

const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

async function pair(
  records: number,
  bytes: number,
  baseline: () => Promise<number>,
  candidate: () => Promise<number>,
): Promise<PairResult> {
  // The wall clock follows how the OS shares the two cores between this process and the brokers;
  // CPU per record is what each side itself costs (both sides are CPU-bound on this thread).
  const baselineCpu: number[] = [];
  const candidateCpu: number[] = [];
  const r = await alternatingRounds(ROUNDS, withCpu(baseline, baselineCpu), withCpu(candidate, candidateCpu));
  // The first call of each side is the warm-up; the rest pair up by round.
  const b = baselineCpu.slice(1);
  const c = candidateCpu.slice(1);
  const perRecordUs = (ms: number) => Math.round((ms / records) * 1e5) / 100;
  return {
    baseline: throughput(records, bytes, r.baselineMs),
    candidate: throughput(records, bytes, r.candidateMs),
    // Time ratio baseline/candidate per round is the throughput ratio candidate/baseline.
    ratio: Math.round((1 / r.candidateOverBaseline) * 100) / 100,
    cpuPerRecordUs: { baseline: perRecordUs(median(b)), candidate: perRecordUs(median(c)) },
    cpuRatio: Math.round(median(c.map((ms, i) => ms / (b[i] as number))) * 100) / 100,
  };
}

const kafka = (await useService(SERVICE)) as KafkaService<KafkaServiceName>;
const dir = await mkdtemp(join(tmpdir(), 'kafka-sink-bench-'));
const loadBefore = loadavg();
const results: Record<string, Record<string, PairResult>> = {};
let checkpointRun = 0;
try {
  for (const size of SIZES) {
    const payload = Buffer.alloc(size.bytes, 0x61);
    const { records, bytes } = size;
    const raw = () => onFreshTopic(kafka, 'bench-raw', (t) => rawProduce(kafka, t, payload, records));
    const sink = (recordsPerPoll?: number) => () =>
      onFreshTopic(kafka, 'bench-sink', (t) =>
        sinkJob(kafka, t, payload, records, {
          guarantee: 'at-least-once',
          ...(recordsPerPoll === undefined ? {} : { recordsPerPoll }),
        }),
      );
    const checkpointed = (guarantee: 'at-least-once' | 'exactly-once') => () =>
      onFreshTopic(kafka, `bench-${guarantee}`, (t) =>
        sinkJob(kafka, t, payload, records, {
          guarantee,
          checkpointDir: join(dir, `run-${checkpointRun++}`),
        }),
      );
    const row: Record<string, PairResult> = {
      sinkVsRaw: await pair(records, bytes, raw, sink()),
      smallPollsSinkVsRaw: await pair(records, bytes, raw, sink(50)),
      exactlyOnceVsAtLeastOnce: await pair(
        records,
        bytes,
        checkpointed('at-least-once'),
        checkpointed('exactly-once'),
      ),
    };
    results[size.label] = row;
    const fmt = (t: Throughput) =>
      `${t.recordsPerSecond.toLocaleString('en')} records/s ${t.mbPerSecond} MB/s`.padEnd(34);
    const names: Record<string, [string, string]> = {
      sinkVsRaw: ['raw kafkajs', 'KafkaSink'],
      smallPollsSinkVsRaw: ['raw kafkajs', 'KafkaSink, 50-record polls'],
      exactlyOnceVsAtLeastOnce: ['at-least-once, 1 s ckpt', 'exactly-once, 1 s ckpt'],
    };
    for (const [key, r] of Object.entries(row)) {
      const [b, c] = names[key] as [string, string];
      process.stdout.write(
        `${size.label.padEnd(5)} ${b.padEnd(24)} ${fmt(r.baseline)} ${c.padEnd(27)} ${fmt(r.candidate)} ratio ${r.ratio}` +
          ` · CPU/record ${r.cpuPerRecordUs.baseline} µs vs ${r.cpuPerRecordUs.candidate} µs, ratio ${r.cpuRatio}\n`,
      );
    }
  }
  const load = [...loadBefore, ...loadavg()].map((l) => Number(l.toFixed(2)));
  process.stdout.write(
    `${SERVICE}: load average ${load.slice(0, 3).join(' ')} before, ${load.slice(3).join(' ')} after; ${ROUNDS} rounds after a warm-up, medians\n`,
  );
  process.stdout.write(
    `BENCH_JSON ${JSON.stringify({ bench: 'connector-kafka-sink', service: SERVICE, partitions: PARTITIONS, requestRecords: REQUEST_RECORDS, rounds: ROUNDS, scale, loadAverage: load, results })}\n`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
  await kafka.close();
}
