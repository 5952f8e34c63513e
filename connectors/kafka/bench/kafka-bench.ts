/**
 * Kafka connector benchmark against the local broker of `@tributary/e2e` (started on first use).
 *
 * `KafkaSink` and `KafkaSource` with each compression codec vs none, on JSON-like records.
 * The sink against a raw producer loop and exactly-once against at-least-once are measured by
 * `kafka-sink-bench.ts`, the source against a raw fetch loop and a tuned kafkajs consumer by
 * `kafka-source-bench.ts` (both: alternating rounds, warm-up, medians).
 * Prints a table and one `BENCH_JSON {...}` line. Ratios are Tributary / raw; nothing fails on them.
 *
 * Run: `pnpm --filter @tributary/connector-kafka bench` (`BENCH_SCALE=0.2` for a quick run).
 */
import { performance } from 'node:perf_hooks';
import { DataGeneratorSource, DiscardingSink, Pipeline, silentLogger } from '@tributary/core';
import { type KafkaService, useService } from '@tributary/e2e';
import type { KafkaCompression } from '../src/client/compression-codecs.js';
import { kafkaRecordSerializer } from '../src/sink/kafka-record-serializer.js';
import { KafkaSink } from '../src/sink/kafka-sink.js';
import { valueOnly } from '../src/source/kafka-record-deserializer.js';
import { KafkaSource } from '../src/source/kafka-source.js';

const PARTITIONS = 3;
const scale = Number(process.env.BENCH_SCALE ?? 1);
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

/** Per codec, sink produce and source consume throughput, as ratios to `none`. */
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
  results.compression = await compressionRuns(kafka);
  process.stdout.write(
    `BENCH_JSON ${JSON.stringify({ bench: 'connector-kafka', partitions: PARTITIONS, parallelism: 1, results })}\n`,
  );
} finally {
  await kafka.close();
}
