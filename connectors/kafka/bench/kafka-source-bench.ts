/**
 * The fair Kafka SOURCE benchmark: `KafkaSource` against the strongest readers of the same data.
 *
 * Per broker setup (the single 3.9 broker, then the 3-broker Kafka 4 cluster) and record size
 * (100 B, 1 KB), one topic of 3 partitions is filled once and read whole, read_committed, by:
 *  - `source`: a bounded `KafkaSource` job (parallelism 1, pass-through bytes, a counting map,
 *    discarding sink);
 *  - `raw`: a raw `broker.fetch` loop on the same kafkajs cluster internals (and so the same
 *    record batch decoding) with the same fetch sizes (`fetchMaxBytes`, `maxPartitionFetchBytes`,
 *    `fetchMaxWaitMs`, `fetchMinBytes`) and the same concurrency and read-ahead (one fetch in
 *    flight per leader, sent before the previous response's records are handled, as the source's
 *    fetch loop reads ahead of its emitter; until 2026-12-07 the loop fetched only after handling
 *    a response: in one run its median throughput was 0.88–1.02 of this one's), no runtime. It
 *    does the per-record work a read_committed reader must do and produces what the source
 *    emits: control records skipped, each value passed through the same schema with its
 *    timestamp as a number, into the same counting function — the source with zero overhead;
 *  - `kafkajs`: kafkajs's consumer tuned for throughput (`autoCommit: false`,
 *    `partitionsConsumedConcurrently` = partitions, the same fetch sizes), counting in `eachBatch`.
 * Each is timed from its first record to the last (group join, job start-up and teardown
 * excluded on every side), wall clock and the Node process's CPU time (`process.cpuUsage`, all
 * threads) and the garbage-collection pauses over the same span: with the brokers on the same
 * cores, wall-clock throughput mostly follows how the OS schedules the broker JVMs, CPU per record
 * is what the reader itself costs.
 * Warm-up rounds, then ROUNDS measured rounds in strictly alternating order (forward, reversed,
 * ...); each reader's median and spread (min–max), its median read length, and the median of the
 * per-round ratios source / baseline (target ≥ 0.9 against `raw`; >1 for CPU per record means the source costs more).
 * Prints the load average (the machine is shared: read the numbers with it) and `BENCH_JSON`.
 *
 * Run: `pnpm --filter @tributary/connector-kafka bench:source`. Knobs: `BENCH_SCALE` (record
 * counts, 0.2 for a quick run), `BENCH_ROUNDS` (default 5), `BENCH_WARMUP` (warm-up rounds,
 * default 1), `BENCH_SERVICE=kafka|kafka-cluster` (one setup only; `BENCH_CLUSTER=0` skips the
 * cluster), `BENCH_SIZES=100B,1KB`, `BENCH_READERS=source,raw,kafkajs` (a subset, e.g. `source,raw`),
 * `BENCH_PROFILE=<dir>` (CPU profiles of each reader's first measured read),
 * `BENCH_COUNT_FETCHES=1` (per read: broker.fetch requests, bytes, settings; see fetch-counter.ts),
 * `BENCH_SOURCE_QUEUE=<n>` (the source's `elementQueueCapacity`, for experiments).
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { loadavg } from 'node:os';
import { constants, type PerformanceEntry, PerformanceObserver, performance } from 'node:perf_hooks';
import { type DeserializationSchema, DiscardingSink, Pipeline, silentLogger } from '@tributary/core';
import { type KafkaService, type KafkaServiceName, useService } from '@tributary/e2e';
import { Kafka, logLevel } from 'kafkajs';
import { createKafkaClient } from '../src/client/kafka-client.js';
import { createCluster, ISOLATION_READ_COMMITTED } from '../src/client/kafkajs-internals.js';
import { valueOnly } from '../src/source/kafka-record-deserializer.js';
import { KafkaSource } from '../src/source/kafka-source.js';
import { KafkaSourceOptions } from '../src/source/kafka-source-options.js';
import { countFetches } from './fetch-counter.js';

const PARTITIONS = 3;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1);
const scale = Number(process.env.BENCH_SCALE ?? 1);
const ALL_SIZES = [
  { label: '100B', bytes: 100, records: Math.round(600_000 * scale) },
  { label: '1KB', bytes: 1024, records: Math.round(150_000 * scale) },
];
const SIZES = pick(ALL_SIZES, process.env.BENCH_SIZES, (s) => s.label, 'BENCH_SIZES');
const ALL_READERS = ['source', 'raw', 'kafkajs'] as const;
type ReaderName = (typeof ALL_READERS)[number];
const READERS = pick(ALL_READERS, process.env.BENCH_READERS, (r) => r, 'BENCH_READERS');
/** `BENCH_SOURCE_QUEUE=<n>`: the source's `elementQueueCapacity` (default: the source's default). */
const QUEUE = process.env.BENCH_SOURCE_QUEUE ? Number(process.env.BENCH_SOURCE_QUEUE) : undefined;
/** `BENCH_COUNT_FETCHES=1`: prints each read's broker.fetch counts (see fetch-counter.ts). */
const fetchCounter = process.env.BENCH_COUNT_FETCHES === '1' ? countFetches() : undefined;

function pick<X>(all: readonly X[], list: string | undefined, name: (x: X) => string, key: string): X[] {
  if (list === undefined || list === '') return [...all];
  const wanted = list.split(',').map((w) => w.trim());
  const unknown = wanted.filter((w) => !all.some((x) => name(x) === w));
  if (unknown.length > 0)
    throw new Error(`${key}: unknown ${unknown.join(', ')} (one of ${all.map(name).join(', ')})`);
  return all.filter((x) => wanted.includes(name(x)));
}

/** The source's defaults, which the baselines use too. */
const FETCH = KafkaSourceOptions.parse({ brokers: ['unused:1'], topics: ['unused'] });

/** The value schema of the source and of the raw loop: the bytes as they are. */
const BYTES: DeserializationSchema<Uint8Array> = { deserialize: (bytes) => bytes };

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** One read: wall-clock ms, the process's CPU µs and GC pause ms, from the first record to the last. */
interface Read {
  readonly ms: number;
  readonly cpuUs: number;
  readonly gcMs: number;
  /** The part of `gcMs` in young-generation collections (scavenges). */
  readonly minorGcMs: number;
}

/** Garbage-collection pause time (ms) since the process started, from `gc` performance entries. */
const gcPauses = { ms: 0, minorMs: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gcPauses.ms += entry.duration;
    const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MINOR) gcPauses.minorMs += entry.duration;
  }
}).observe({ entryTypes: ['gc'] });

/**
 * Counts what a reader produced and marks the first and the last record's time and CPU usage.
 * The source's map and the raw loop call the same one.
 */
class Span {
  seen = 0;
  private first = 0;
  private last = 0;
  private cpuAtFirst: NodeJS.CpuUsage | undefined;
  private cpu: NodeJS.CpuUsage | undefined;
  private gcAtFirst = { ms: 0, minorMs: 0 };
  private gc = { ms: 0, minorMs: 0 };
  constructor(private readonly count: number) {}

  /** One record (value and event time), as the source emits it. */
  record(value: Uint8Array, timestamp: number): void {
    if (value === undefined || Number.isNaN(timestamp)) throw new Error('record without value or timestamp');
    this.add(1);
  }

  /** `n` records at once (kafkajs's eachBatch). */
  add(n: number): void {
    if (this.seen === 0) {
      this.first = performance.now();
      this.cpuAtFirst = process.cpuUsage();
      this.gcAtFirst = { ...gcPauses };
    }
    this.seen += n;
    if (this.seen >= this.count && this.cpu === undefined) {
      this.last = performance.now();
      this.cpu = process.cpuUsage(this.cpuAtFirst);
      // Pauses reported by then (an entry arrives shortly after its pause; alike on every side).
      this.gc = { ms: gcPauses.ms - this.gcAtFirst.ms, minorMs: gcPauses.minorMs - this.gcAtFirst.minorMs };
    }
  }

  result(reader: string): Read {
    if (this.seen !== this.count || this.cpu === undefined)
      throw new Error(`${reader} read ${this.seen} of ${this.count}`);
    return {
      ms: this.last - this.first,
      cpuUs: this.cpu.user + this.cpu.system,
      gcMs: this.gc.ms,
      minorGcMs: this.gc.minorMs,
    };
  }
}

/** A bounded `KafkaSource` job (start-up and teardown excluded, as for the other readers). */
async function sourceRead(
  kafka: KafkaService<KafkaServiceName>,
  topic: string,
  count: number,
): Promise<Read> {
  const span = new Span(count);
  await Pipeline.from(
    new KafkaSource<Uint8Array>(
      {
        brokers: kafka.brokers,
        topics: [topic],
        stoppingOffsets: 'latest',
        ...(QUEUE === undefined ? {} : { elementQueueCapacity: QUEUE }),
      },
      valueOnly(BYTES),
    ),
  )
    .process<Uint8Array>((value, ctx) => {
      span.record(value, ctx.timestamp as number);
    })
    .sinkTo(new DiscardingSink<Uint8Array>())
    .execute({ parallelism: 1 }, { logger: silentLogger });
  return span.result('source');
}

/**
 * `broker.fetch` in one loop per leader, positions from the records, with read-ahead as the
 * source's fetch loop has it: a leader's next fetch (from the positions after the response) is
 * sent before the response's records are handled, so the broker works on it meanwhile — still one
 * fetch in flight per leader. Per record what a read_committed reader with the source's output
 * does (see the file comment).
 */
async function rawRead(kafka: KafkaService<KafkaServiceName>, topic: string, count: number): Promise<Read> {
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
    const span = new Span(count);
    await Promise.all(
      Object.entries(byLeader).map(async ([leader, owned]) => {
        const broker = await cluster.findBroker({ nodeId: leader });
        const positions = new Map(owned.map((p) => [p, 0]));
        const pending = () => owned.filter((p) => (positions.get(p) ?? 0) < (ends.get(p) ?? 0));
        const fetchOpen = (open: number[]) =>
          broker.fetch({
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
        let open = pending();
        let next = open.length > 0 ? fetchOpen(open) : undefined;
        while (next !== undefined) {
          const { responses } = await next;
          for (const { partitions: fetched } of responses) {
            for (const data of fetched) {
              const lastMessage = data.messages[data.messages.length - 1];
              if (lastMessage !== undefined) positions.set(data.partition, Number(lastMessage.offset) + 1);
            }
          }
          open = pending();
          next = open.length > 0 ? fetchOpen(open) : undefined;
          for (const { partitions: fetched } of responses) {
            for (const data of fetched) {
              // No transactions in the bench topic: no aborted ranges to filter, only markers.
              for (const m of data.messages) {
                if (m.isControlRecord || m.value === null) continue;
                span.record(BYTES.deserialize(m.value), Number(m.timestamp));
              }
            }
          }
        }
      }),
    );
    return span.result('raw loop');
  } finally {
    await cluster.disconnect();
  }
}

/** kafkajs's consumer, tuned; first batch → last record. */
async function kafkajsRead(
  kafka: KafkaService<KafkaServiceName>,
  topic: string,
  count: number,
): Promise<Read> {
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
    const span = new Span(count);
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          partitionsConsumedConcurrently: PARTITIONS,
          eachBatch: async ({ batch }) => {
            span.add(batch.messages.length);
            if (span.seen >= count) resolve();
          },
        })
        .catch(reject);
    });
    return span.result('kafkajs');
  } finally {
    await consumer.disconnect();
  }
}

const READ: Record<
  ReaderName,
  (kafka: KafkaService<KafkaServiceName>, topic: string, count: number) => Promise<Read>
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

/**
 * With `BENCH_PROFILE=<dir>`: a CPU profile of each reader's first measured read (the read
 * only, not the fill), written as `<dir>/<size>-<reader>.cpuprofile`.
 */
async function startProfile(): Promise<((name: string) => Promise<void>) | undefined> {
  const dir = process.env.BENCH_PROFILE;
  if (dir === undefined || dir === '') return undefined;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  // Every 100 µs (the default 1 ms leaves too few samples of a read under a second).
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  return async (name) => {
    const { profile } = await session.post('Profiler.stop');
    await writeFile(`${dir}/${name}.cpuprofile`, JSON.stringify(profile));
    session.disconnect();
  };
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** Per reader: median and spread of throughput, median CPU per record; per-round ratios to the source. */
async function benchSize(kafka: KafkaService<KafkaServiceName>, size: (typeof SIZES)[number]) {
  const topic = await fill(kafka, size.bytes, size.records);
  const runs = new Map<
    ReaderName,
    { ms: number; recordsPerSecond: number; cpuUsPerRecord: number; gcMs: number; minorGcMs: number }[]
  >(READERS.map((r) => [r, []]));
  try {
    for (let round = 0; round < WARMUP + ROUNDS; round++) {
      // Strict alternation: each reader goes first as often as last.
      const order = round % 2 === 0 ? READERS : [...READERS].reverse();
      for (const reader of order) {
        const profiled = round === WARMUP ? await startProfile() : undefined;
        const { ms, cpuUs, gcMs, minorGcMs } = await READ[reader](kafka, topic, size.records);
        await profiled?.(`${size.label}-${reader}`);
        const fetches = fetchCounter?.take();
        if (fetches !== undefined) {
          const { settings, ...n } = fetches;
          const perRequest = (x: number) => Math.round(x / Math.max(1, n.requests));
          process.stdout.write(
            `fetches ${kafka.brokers.length} broker(s) ${size.label} round ${round} ${reader}: ${JSON.stringify(n)} records/request ${perRequest(n.records)} bytes/request ${perRequest(n.valueBytes)} [${settings.join('; ')}]\n`,
          );
        }
        if (round >= WARMUP)
          runs.get(reader)?.push({
            ms,
            recordsPerSecond: size.records / (ms / 1000),
            cpuUsPerRecord: cpuUs / size.records,
            gcMs,
            minorGcMs,
          });
      }
    }
  } finally {
    await kafka.deleteTopic(topic).catch(() => undefined);
  }
  const readers = Object.fromEntries(
    READERS.map((r) => {
      const rs = runs.get(r) ?? [];
      const rates = rs.map((x) => x.recordsPerSecond);
      const recordsPerSecond = Math.round(median(rates));
      return [
        r,
        {
          recordsPerSecond,
          mbPerSecond: round2((recordsPerSecond * size.bytes) / 1_000_000),
          minRecordsPerSecond: Math.round(Math.min(...rates)),
          maxRecordsPerSecond: Math.round(Math.max(...rates)),
          cpuUsPerRecord: Math.round(median(rs.map((x) => x.cpuUsPerRecord)) * 1000) / 1000,
          roundMs: Math.round(median(rs.map((x) => x.ms))),
          gcMs: Math.round(median(rs.map((x) => x.gcMs))),
          minorGcMs: Math.round(median(rs.map((x) => x.minorGcMs))),
        },
      ];
    }),
  ) as Record<
    ReaderName,
    {
      recordsPerSecond: number;
      mbPerSecond: number;
      minRecordsPerSecond: number;
      maxRecordsPerSecond: number;
      cpuUsPerRecord: number;
      /** Median length of one read (first record to last), ms. */
      roundMs: number;
      gcMs: number;
      minorGcMs: number;
    }
  >;
  /** Per-round source / base ratios (throughput, and CPU per record): median, min, max. */
  const ratios = Object.fromEntries(
    READERS.filter((r) => r !== 'source' && READERS.includes('source')).map((base) => {
      const src = runs.get('source') ?? [];
      const bs = runs.get(base) ?? [];
      const tput = src.map((x, i) => x.recordsPerSecond / (bs[i]?.recordsPerSecond ?? Number.NaN));
      const cpu = src.map((x, i) => x.cpuUsPerRecord / (bs[i]?.cpuUsPerRecord ?? Number.NaN));
      return [
        base,
        {
          throughput: round2(median(tput)),
          throughputMin: round2(Math.min(...tput)),
          throughputMax: round2(Math.max(...tput)),
          cpuPerRecord: round2(median(cpu)),
          cpuPerRecordMin: round2(Math.min(...cpu)),
          cpuPerRecordMax: round2(Math.max(...cpu)),
        },
      ];
    }),
  );
  return { readers, sourceOver: ratios };
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
      for (const reader of READERS) {
        const x = r.readers[reader];
        process.stdout.write(
          `${name.padEnd(14)} ${size.label.padEnd(5)} ${reader.padEnd(8)} ${x.recordsPerSecond.toLocaleString('en').padStart(10)} records/s (${x.minRecordsPerSecond.toLocaleString('en')}–${x.maxRecordsPerSecond.toLocaleString('en')}) ${String(x.mbPerSecond).padStart(7)} MB/s ${x.cpuUsPerRecord.toFixed(3)} µs CPU/record, ${x.roundMs} ms per read, GC ${x.gcMs} ms (scavenges ${x.minorGcMs} ms)\n`,
        );
      }
      for (const [base, q] of Object.entries(r.sourceOver))
        process.stdout.write(
          `${name.padEnd(14)} ${size.label.padEnd(5)} source / ${base}: throughput ${q.throughput} (${q.throughputMin}–${q.throughputMax}), CPU per record ${q.cpuPerRecord} (${q.cpuPerRecordMin}–${q.cpuPerRecordMax})\n`,
        );
    }
  } finally {
    await kafka.close();
  }
}
const loadAfter = loadavg().map((l) => Math.round(l * 100) / 100);
process.stdout.write(`load average before ${loadBefore.join(' ')}, after ${loadAfter.join(' ')}\n`);
process.stdout.write(
  `BENCH_JSON ${JSON.stringify({ bench: 'connector-kafka-source', partitions: PARTITIONS, rounds: ROUNDS, warmup: WARMUP, scale, loadBefore, loadAfter, results })}\n`,
);
