/**
 * Kafka connector benchmark against the local broker of `@tributary/e2e` (started on first use).
 *
 * For 100 B and 1 KB records, in one run on the same broker:
 *  (a) a raw kafkajs consume loop vs `KafkaSource` through a Tributary job (the topics are
 *      filled by a raw kafkajs producer and by `KafkaSink`);
 *  (b) `KafkaSink` and `KafkaSource` with each compression codec vs none, on JSON-like records.
 * The sink against a raw producer loop, and exactly-once against at-least-once, are measured by
 * `kafka-sink-bench.ts` (alternating rounds, medians).
 * Prints a table and one `BENCH_JSON {...}` line. Ratios are Tributary / raw; nothing fails on them.
 *
 * Run: `pnpm --filter @tributary/connector-kafka bench` (`BENCH_SCALE=0.2` for a quick run).
 */
import { performance } from 'node:perf_hooks';
import { DataGeneratorSource, DiscardingSink, Pipeline, silentLogger } from '@tributary/core';
import { type KafkaService, useService } from '@tributary/e2e';
import { Kafka, logLevel } from 'kafkajs';
import type { KafkaCompression } from '../src/client/compression-codecs.js';
import { kafkaRecordSerializer } from '../src/sink/kafka-record-serializer.js';
import { KafkaSink } from '../src/sink/kafka-sink.js';
import { valueOnly } from '../src/source/kafka-record-deserializer.js';
import { KafkaSource } from '../src/source/kafka-source.js';

const PARTITIONS = 3;
const BATCH = 1000;
const scale = Number(process.env.BENCH_SCALE ?? 1);
const SIZES = [
  { label: '100B', bytes: 100, records: Math.round(1_000_000 * scale) },
  { label: '1KB', bytes: 1024, records: Math.round(200_000 * scale) },
];

/** One measured run. */
interface Measurement {
  readonly records: number;
  readonly seconds: number;
  readonly recordsPerSecond: number;
  readonly mbPerSecond: number;
}

function measurement(records: number, bytes: number, ms: number): Measurement {
  const seconds = ms / 1000;
  return {
    records,
    seconds: round(seconds, 3),
    recordsPerSecond: Math.round(records / seconds),
    mbPerSecond: round((records * bytes) / 1_000_000 / seconds, 2),
  };
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

const passThroughBytes = { deserialize: (bytes: Uint8Array) => bytes };

async function rawProduce(kafka: KafkaService, topic: string, payload: Buffer, count: number) {
  const producer = new Kafka({ ...kafka.kafkaConfig(), logLevel: logLevel.NOTHING }).producer({
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  const start = performance.now();
  for (let sent = 0; sent < count; sent += BATCH) {
    const n = Math.min(BATCH, count - sent);
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: n }, (_, i) => ({ partition: (sent + i) % PARTITIONS, value: payload })),
    });
  }
  const ms = performance.now() - start;
  await producer.disconnect();
  return ms;
}

async function tributaryProduce(
  kafka: KafkaService,
  topic: string,
  payload: Buffer | ((i: number) => Buffer),
  count: number,
  compression: KafkaCompression = 'none',
) {
  const value = typeof payload === 'function' ? payload : () => payload;
  const start = performance.now();
  await Pipeline.from(new DataGeneratorSource<number>({ generator: (i) => i, count }))
    .sinkTo(
      new KafkaSink<number>(
        { brokers: kafka.brokers, compression },
        kafkaRecordSerializer({ topic, value, partitioner: (i) => i % PARTITIONS }),
      ),
    )
    .execute({ parallelism: 1 }, { logger: silentLogger });
  return performance.now() - start;
}

/** kafkajs consumer, from its first batch to the last record (group join excluded). */
async function rawConsume(kafka: KafkaService, topic: string, count: number) {
  const consumer = new Kafka({ ...kafka.kafkaConfig(), logLevel: logLevel.NOTHING }).consumer({
    groupId: `${topic}-raw-${Date.now()}`,
    maxBytes: 10_485_760,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let first = 0;
  const ms = await new Promise<number>((resolve, reject) => {
    consumer
      .run({
        eachBatchAutoResolve: true,
        eachBatch: async ({ batch }) => {
          if (first === 0) first = performance.now();
          seen += batch.messages.length;
          if (seen >= count) resolve(performance.now() - first);
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return ms;
}

/** A bounded `KafkaSource` job, from its first record to its end (job start-up excluded, like the raw loop). */
async function tributaryConsume(kafka: KafkaService, topic: string) {
  let first = 0;
  await Pipeline.from(
    new KafkaSource<Uint8Array>(
      { brokers: kafka.brokers, topics: [topic], stoppingOffsets: 'latest' },
      valueOnly(passThroughBytes),
    ),
  )
    .map((v) => {
      if (first === 0) first = performance.now();
      return v;
    })
    .sinkTo(new DiscardingSink<Uint8Array>())
    .execute({ parallelism: 1 }, { logger: silentLogger });
  return performance.now() - first;
}

/** A JSON order of ~250 bytes that varies per record, so codecs see realistic redundancy. */
function orderJson(i: number): Buffer {
  return Buffer.from(
    JSON.stringify({
      orderId: `o-${i}`,
      customer: `customer-${(i * 7919) % 5000}`,
      status: ['open', 'paid', 'shipped', 'cancelled'][i % 4],
      amount: ((i * 31) % 100_000) / 100,
      currency: 'EUR',
      createdAt: new Date(1_700_000_000_000 + i * 1000).toISOString(),
      items: [{ sku: `sku-${i % 977}`, quantity: 1 + (i % 5) }],
    }),
  );
}

/** (b): per codec, sink produce and source consume throughput, as ratios to `none`. */
async function compressionRuns(kafka: KafkaService): Promise<Record<string, Measurement | number>> {
  const count = Math.round(200_000 * scale);
  const bytes = orderJson(count).length;
  const out: Record<string, Measurement | number> = {};
  const base: { produce?: number; consume?: number } = {};
  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
    const topic = await kafka.createTopic({ prefix: `bench-${codec}`, partitions: PARTITIONS });
    const produce = measurement(count, bytes, await tributaryProduce(kafka, topic, orderJson, count, codec));
    const consume = measurement(count, bytes, await tributaryConsume(kafka, topic));
    base.produce ??= produce.recordsPerSecond;
    base.consume ??= consume.recordsPerSecond;
    out[`${codec}Produce`] = produce;
    out[`${codec}Consume`] = consume;
    out[`${codec}ProduceRatio`] = round(produce.recordsPerSecond / base.produce, 2);
    out[`${codec}ConsumeRatio`] = round(consume.recordsPerSecond / base.consume, 2);
    for (const [name, value] of Object.entries(out).filter(([key]) => key.startsWith(codec))) {
      const text =
        typeof value === 'number'
          ? `ratio ${value}`
          : `${value.recordsPerSecond.toLocaleString('en')} records/s  ${value.mbPerSecond} MB/s  (${value.records} in ${value.seconds} s)`;
      process.stdout.write(`json  ${name.padEnd(24)} ${text}\n`);
    }
    await kafka.deleteTopic(topic).catch(() => undefined);
  }
  return out;
}

const kafka = await useService('kafka');
const results: Record<string, Record<string, Measurement | number>> = {};
try {
  for (const size of SIZES) {
    const payload = Buffer.alloc(size.bytes, 0x61);
    const m = (ms: number) => measurement(size.records, size.bytes, ms);
    const rawTopic = await kafka.createTopic({ prefix: `bench-raw-${size.label}`, partitions: PARTITIONS });
    const tribTopic = await kafka.createTopic({ prefix: `bench-trib-${size.label}`, partitions: PARTITIONS });

    await rawProduce(kafka, rawTopic, payload, size.records);
    await tributaryProduce(kafka, tribTopic, payload, size.records);
    const rawConsumeRun = m(await rawConsume(kafka, rawTopic, size.records));
    const sourceRun = m(await tributaryConsume(kafka, tribTopic));
    results[size.label] = {
      rawConsume: rawConsumeRun,
      kafkaSource: sourceRun,
      sourceRatio: round(sourceRun.recordsPerSecond / rawConsumeRun.recordsPerSecond, 2),
    };
    for (const [name, value] of Object.entries(results[size.label] ?? {})) {
      const text =
        typeof value === 'number'
          ? `ratio ${value}`
          : `${value.recordsPerSecond.toLocaleString('en')} records/s  ${value.mbPerSecond} MB/s  (${value.records} in ${value.seconds} s)`;
      process.stdout.write(`${size.label.padEnd(5)} ${name.padEnd(24)} ${text}\n`);
    }
    for (const topic of [rawTopic, tribTopic]) await kafka.deleteTopic(topic).catch(() => undefined);
  }
  results.compression = await compressionRuns(kafka);
  process.stdout.write(
    `BENCH_JSON ${JSON.stringify({ bench: 'connector-kafka', partitions: PARTITIONS, parallelism: 1, results })}\n`,
  );
} finally {
  await kafka.close();
}
