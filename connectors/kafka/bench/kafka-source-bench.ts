/**
 * The fair Kafka SOURCE benchmark: `KafkaSource` against the strongest readers of the same data.
 *
 * Per broker setup (the single 3.9 broker, then the 3-broker Kafka 4 cluster; `BENCH_CLUSTER=0`
 * skips the cluster, `BENCH_SERVICE=kafka-cluster` runs only the cluster) and record size (100 B, 1 KB), one topic of 3 partitions is filled once and
 * read whole, read_committed, by three readers:
 *  - `source`: a bounded `KafkaSource` job (parallelism 1, pass-through bytes, discarding sink);
 *  - `raw`: a raw `broker.fetch` loop on the same kafkajs cluster internals and the same fetch
 *    sizes (`fetchMaxBytes`, `maxPartitionFetchBytes`, `fetchMaxWaitMs`, `fetchMinBytes`), one
 *    loop per leader, no runtime — what the source would be with zero overhead;
 *  - `kafkajs`: kafkajs's consumer tuned for throughput (`autoCommit: false`,
 *    `partitionsConsumedConcurrently` = partitions, the same fetch sizes), counting in `eachBatch`.
 * Each is timed from its first record to the last (group join, job start-up and teardown
 * excluded on every side). A warm-up round, then ROUNDS measured rounds with the readers in
 * alternating order; medians. Ratios are source / baseline (target ≥ 0.9 against `raw`).
 * Prints the load average (the machine is shared: read the numbers with it) and `BENCH_JSON`.
 *
 * Run: `pnpm --filter @tributary/connector-kafka bench:source` (`BENCH_SCALE=0.2` for a quick run).
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { DiscardingSink, Pipeline, silentLogger } from '@tributary/core';
import { type KafkaService, type KafkaServiceName, useService } from '@tributary/e2e';
import { Kafka, logLevel } from 'kafkajs';
import { createKafkaClient } from '../src/client/kafka-client.js';
import { createCluster, ISOLATION_READ_COMMITTED } from '../src/client/kafkajs-internals.js';
import { valueOnly } from '../src/source/kafka-record-deserializer.js';
import { KafkaSource } from '../src/source/kafka-source.js';
import { KafkaSourceOptions } from '../src/source/kafka-source-options.js';

const PARTITIONS = 3;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const scale = Number(process.env.BENCH_SCALE ?? 1);
const SIZES = [
  { label: '100B', bytes: 100, records: Math.round(600_000 * scale) },
  { label: '1KB', bytes: 1024, records: Math.round(150_000 * scale) },
];
const READERS = ['source', 'raw', 'kafkajs'] as const;
type ReaderName = (typeof READERS)[number];

/** The source's defaults, which the baselines use too. */
const FETCH = KafkaSourceOptions.parse({ brokers: ['unused:1'], topics: ['unused'] });

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/**
 * A bounded `KafkaSource` job; first record → last record, as the other readers (the job's
 * teardown after the last record — closing the reader, its connections — is not reading).
 */
async function sourceRead(kafka: KafkaService<KafkaServiceName>, topic: string, count: number) {
  let first = 0;
  let last = 0;
  let seen = 0;
  await Pipeline.from(
    new KafkaSource<Uint8Array>(
      { brokers: kafka.brokers, topics: [topic], stoppingOffsets: 'latest' },
      valueOnly({ deserialize: (bytes: Uint8Array) => bytes }),
    ),
  )
    .map((v) => {
      seen++;
      if (seen === 1) first = performance.now();
      if (seen === count) last = performance.now();
      return v;
    })
    .sinkTo(new DiscardingSink<Uint8Array>())
    .execute({ parallelism: 1 }, { logger: silentLogger });
  if (seen !== count) throw new Error(`source read ${seen} of ${count}`);
  return last - first;
}

/** `broker.fetch` in one loop per leader, positions from the records; first record → last. */
async function rawRead(kafka: KafkaService<KafkaServiceName>, topic: string, count: number) {
  const options = KafkaSourceOptions.parse({ brokers: kafka.brokers, topics: [topic] });
  const cluster = createCluster(createKafkaClient(options, silentLogger), {
    metadataMaxAgeMs: options.metadataMaxAgeMs,
    isolationLevel: ISOLATION_READ_COMMITTED,
  });
  await cluster.connect();
  try {
    await cluster.addMultipleTargetTopics([topic]);
    const partitions = Array.from({ length: PARTITIONS }, (_, p) => p);
    const ends = new Map(
      (
        await cluster.fetchTopicsOffset([
          { topic, partitions: partitions.map((partition) => ({ partition })) },
        ])
      )[0]?.partitions.map((p) => [p.partition, Number(p.offset)]) ?? [],
    );
    const byLeader = cluster.findLeaderForPartitions(topic, partitions);
    let first = 0;
    let last = 0;
    let seen = 0;
    await Promise.all(
      Object.entries(byLeader).map(async ([leader, owned]) => {
        const broker = await cluster.findBroker({ nodeId: leader });
        const positions = new Map(owned.map((p) => [p, 0]));
        const pending = () => owned.filter((p) => (positions.get(p) ?? 0) < (ends.get(p) ?? 0));
        for (let open = pending(); open.length > 0; open = pending()) {
          const { responses } = await broker.fetch({
            isolationLevel: ISOLATION_READ_COMMITTED,
            maxWaitTime: FETCH.fetchMaxWaitMs,
            minBytes: FETCH.fetchMinBytes,
            maxBytes: FETCH.fetchMaxBytes,
            topics: [
              {
                topic,
                partitions: open.map((partition) => ({
                  partition,
                  fetchOffset: String(positions.get(partition)),
                  maxBytes: FETCH.maxPartitionFetchBytes,
                })),
              },
            ],
          });
          for (const { partitions: fetched } of responses) {
            for (const data of fetched) {
              const lastMessage = data.messages[data.messages.length - 1];
              if (lastMessage === undefined) continue;
              if (seen === 0) first = performance.now();
              seen += data.messages.length;
              positions.set(data.partition, Number(lastMessage.offset) + 1);
            }
          }
          last = performance.now();
        }
      }),
    );
    if (seen !== count) throw new Error(`raw loop read ${seen} of ${count}`);
    return last - first;
  } finally {
    await cluster.disconnect();
  }
}

/** kafkajs's consumer, tuned; first batch → last record. */
async function kafkajsRead(kafka: KafkaService<KafkaServiceName>, topic: string, count: number) {
  const consumer = new Kafka({ ...kafka.kafkaConfig(), logLevel: logLevel.NOTHING }).consumer({
    groupId: `${topic}-kafkajs-${Date.now()}`,
    maxWaitTimeInMs: FETCH.fetchMaxWaitMs,
    minBytes: FETCH.fetchMinBytes,
    maxBytes: FETCH.fetchMaxBytes,
    maxBytesPerPartition: FETCH.maxPartitionFetchBytes,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let seen = 0;
    let first = 0;
    return await new Promise<number>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          partitionsConsumedConcurrently: PARTITIONS,
          eachBatch: async ({ batch }) => {
            if (first === 0) first = performance.now();
            seen += batch.messages.length;
            if (seen >= count) resolve(performance.now() - first);
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
}

const READ: Record<
  ReaderName,
  (kafka: KafkaService<KafkaServiceName>, topic: string, count: number) => Promise<number>
> = { source: sourceRead, raw: rawRead, kafkajs: kafkajsRead };

/** Fills a topic with `count` records of `bytes` bytes, spread over the partitions. */
async function fill(kafka: KafkaService<KafkaServiceName>, bytes: number, count: number): Promise<string> {
  const topic = await kafka.createTopic({ prefix: `bench-source-${bytes}`, partitions: PARTITIONS });
  const producer = new Kafka({ ...kafka.kafkaConfig(), logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  const value = Buffer.alloc(bytes, 0x61);
  // Sends below the broker's 1 MB message.max.bytes (a send is one batch per partition).
  const perSend = Math.floor((PARTITIONS * 800_000) / bytes);
  for (let sent = 0; sent < count; sent += perSend) {
    const n = Math.min(perSend, count - sent);
    await producer.send({
      topic,
      acks: 1,
      messages: Array.from({ length: n }, (_, i) => ({ partition: (sent + i) % PARTITIONS, value })),
    });
  }
  await producer.disconnect();
  return topic;
}

/** Medians per reader for one setup and size. */
async function benchSize(kafka: KafkaService<KafkaServiceName>, size: (typeof SIZES)[number]) {
  const topic = await fill(kafka, size.bytes, size.records);
  const runs: Record<ReaderName, number[]> = { source: [], raw: [], kafkajs: [] };
  try {
    for (let round = 0; round <= ROUNDS; round++) {
      const order = round % 2 === 0 ? READERS : [...READERS].reverse();
      for (const reader of order) {
        const ms = await READ[reader](kafka, topic, size.records);
        if (round > 0) runs[reader].push(size.records / (ms / 1000));
      }
    }
  } finally {
    await kafka.deleteTopic(topic).catch(() => undefined);
  }
  const perReader = Object.fromEntries(
    READERS.map((r) => {
      const recordsPerSecond = Math.round(median(runs[r]));
      return [
        r,
        { recordsPerSecond, mbPerSecond: Math.round((recordsPerSecond * size.bytes) / 10_000) / 100 },
      ];
    }),
  ) as Record<ReaderName, { recordsPerSecond: number; mbPerSecond: number }>;
  const ratio = (base: ReaderName) =>
    Math.round((perReader.source.recordsPerSecond / perReader[base].recordsPerSecond) * 100) / 100;
  return { ...perReader, sourceVsRaw: ratio('raw'), sourceVsKafkajs: ratio('kafkajs') };
}

const ALL_SETUPS: KafkaServiceName[] =
  process.env.BENCH_CLUSTER === '0' ? ['kafka'] : ['kafka', 'kafka-cluster'];
const only = process.env.BENCH_SERVICE as KafkaServiceName | undefined;
if (only !== undefined && only !== 'kafka' && only !== 'kafka-cluster')
  throw new Error('BENCH_SERVICE must be kafka or kafka-cluster');
const setups: KafkaServiceName[] = only === undefined ? ALL_SETUPS : [only];
const results: Record<string, unknown> = {};
const loadBefore = loadavg().map((l) => Math.round(l * 100) / 100);
for (const name of setups) {
  const kafka = (await useService(name)) as KafkaService<KafkaServiceName>;
  try {
    for (const size of SIZES) {
      const r = await benchSize(kafka, size);
      results[`${name}/${size.label}`] = r;
      for (const reader of READERS)
        process.stdout.write(
          `${name.padEnd(14)} ${size.label.padEnd(5)} ${reader.padEnd(8)} ${r[reader].recordsPerSecond.toLocaleString('en').padStart(10)} records/s ${String(r[reader].mbPerSecond).padStart(7)} MB/s\n`,
        );
      process.stdout.write(
        `${name.padEnd(14)} ${size.label.padEnd(5)} source / raw ${r.sourceVsRaw}, source / kafkajs ${r.sourceVsKafkajs}\n`,
      );
    }
  } finally {
    await kafka.close();
  }
}
const loadAfter = loadavg().map((l) => Math.round(l * 100) / 100);
process.stdout.write(`load average before ${loadBefore.join(' ')}, after ${loadAfter.join(' ')}\n`);
process.stdout.write(
  `BENCH_JSON ${JSON.stringify({ bench: 'connector-kafka-source', partitions: PARTITIONS, rounds: ROUNDS, scale, loadBefore, loadAfter, results })}\n`,
);
