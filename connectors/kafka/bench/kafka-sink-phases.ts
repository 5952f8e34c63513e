/**
 * Where a sink-bench run's time goes, per side, for one record size: the raw kafkajs loop's
 * connect / send loop / disconnect, and the `KafkaSink` job's start-up (job start to the first
 * write), writing (first write to the end-of-input flush acknowledged) and teardown, and the
 * process's CPU time while writing. Same settings as `kafka-sink-bench.ts`, sides alternating.
 *
 * Run: `pnpm --filter @tributary/connector-kafka bench:sink-phases`. `BENCH_SIDE=raw|sink|both`
 * (default both), `BENCH_BYTES` (100), `BENCH_RECORDS` (400 000), `BENCH_ROUNDS` (5, after one
 * warm-up of each side). To profile: `node --cpu-prof --conditions=@tributary/source --import tsx
 * bench/kafka-sink-phases.ts` with `BENCH_MARKS=1`, which prints each run's writing window
 * (`MARK <side> <start µs> <end µs>`, the monotonic clock of the profile's sample times), so one
 * profile of both sides can be split per side.
 */
import { performance } from 'node:perf_hooks';
import {
  DataGeneratorSource,
  Pipeline,
  type SinkWriter,
  type SinkWriterContext,
  silentLogger,
  type WriterInitContext,
} from '@tributary/core';
import { type KafkaService, type KafkaServiceName, useService } from '@tributary/e2e';
import { Kafka, logLevel } from 'kafkajs';
import { kafkaRecordSerializer } from '../src/sink/kafka-record-serializer.js';
import { KafkaSink } from '../src/sink/kafka-sink.js';
import { rawSendLoop } from './raw-send-loop.js';

const PARTITIONS = 3;
const BYTES = Number(process.env.BENCH_BYTES ?? 100);
const RECORDS = Number(process.env.BENCH_RECORDS ?? 400_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SIDE = process.env.BENCH_SIDE ?? 'both';
const PER_REQUEST = Math.min(1000, Math.floor(1_000_000 / BYTES));

type Phases = Record<string, number>;

/** Monotonic µs (the clock of CPU profile samples) at the last run's writing start and end. */
const marks: bigint[] = [];
const mark = () => process.hrtime.bigint() / 1000n;

/** User + system CPU of this process (all its threads), in ms. */
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

async function raw(kafka: KafkaService<KafkaServiceName>, topic: string, payload: Buffer): Promise<Phases> {
  const t0 = performance.now();
  const producer = new Kafka({ ...kafka.kafkaConfig(), logLevel: logLevel.NOTHING }).producer({
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  const t1 = performance.now();
  const c1 = process.cpuUsage();
  marks.length = 0;
  marks.push(mark());
  await rawSendLoop(producer, topic, payload, RECORDS, PER_REQUEST, PARTITIONS);
  const t2 = performance.now();
  marks.push(mark());
  const cpu = cpuMs(process.cpuUsage(c1));
  await producer.disconnect();
  const t3 = performance.now();
  return { total: t3 - t0, startup: t1 - t0, writing: t2 - t1, teardown: t3 - t2, cpu };
}

/** A KafkaSink whose writer notes when the first write starts and when the final flush ends. */
class TimedKafkaSink<T> extends KafkaSink<T> {
  firstWrite = 0;
  flushed = 0;
  private cpuAtFirstWrite: NodeJS.CpuUsage | undefined;
  cpu = 0;
  override async createWriter(ctx: WriterInitContext): Promise<SinkWriter<T>> {
    const writer = await super.createWriter(ctx);
    const write = writer.write.bind(writer);
    const flush = writer.flush.bind(writer);
    writer.write = (batch: readonly T[], c: SinkWriterContext) => {
      if (this.firstWrite === 0) {
        this.firstWrite = performance.now();
        this.cpuAtFirstWrite = process.cpuUsage();
        marks.length = 0;
        marks.push(mark());
      }
      return write(batch, c);
    };
    writer.flush = async (end: boolean) => {
      await flush(end);
      if (end) {
        this.flushed = performance.now();
        marks.push(mark());
        this.cpu = cpuMs(process.cpuUsage(this.cpuAtFirstWrite));
      }
    };
    return writer;
  }
}

async function sink(kafka: KafkaService<KafkaServiceName>, topic: string, payload: Buffer): Promise<Phases> {
  const t0 = performance.now();
  const kafkaSink = new TimedKafkaSink<number>(
    { brokers: kafka.brokers, deliveryGuarantee: 'at-least-once' },
    kafkaRecordSerializer({ topic, value: () => payload, partitioner: (i) => i % PARTITIONS }),
  );
  await Pipeline.from(
    new DataGeneratorSource<number>({ generator: (i) => i, count: RECORDS, maxRecordsPerPoll: 1000 }),
  )
    .sinkTo(kafkaSink)
    .execute({ parallelism: 1 }, { logger: silentLogger });
  const t3 = performance.now();
  return {
    total: t3 - t0,
    startup: kafkaSink.firstWrite - t0,
    writing: kafkaSink.flushed - kafkaSink.firstWrite,
    teardown: t3 - kafkaSink.flushed,
    cpu: kafkaSink.cpu,
  };
}

const kafka = (await useService('kafka')) as KafkaService<KafkaServiceName>;
const payload = Buffer.alloc(BYTES, 0x61);
const sides = SIDE === 'both' ? ['raw', 'sink'] : [SIDE];
const runs: Record<string, Phases[]> = { raw: [], sink: [] };
try {
  for (let round = -1; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      const topic = await kafka.createTopic({ prefix: `phases-${side}`, partitions: PARTITIONS });
      try {
        const p = side === 'raw' ? await raw(kafka, topic, payload) : await sink(kafka, topic, payload);
        if (round >= 0) runs[side]?.push(p);
        if (process.env.BENCH_MARKS) process.stdout.write(`MARK ${side} ${marks.join(' ')}\n`);
        process.stdout.write(
          `${round < 0 ? 'warm-up' : `round ${round}`} ${side.padEnd(4)} ${Object.entries(p)
            .map(([k, v]) => `${k} ${v.toFixed(0)} ms`)
            .join(', ')}\n`,
        );
      } finally {
        await kafka.deleteTopic(topic).catch(() => undefined);
      }
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  for (const side of sides) {
    const list = runs[side] ?? [];
    if (list.length === 0) continue;
    const keys = Object.keys(list[0] as Phases);
    process.stdout.write(
      `median ${side.padEnd(4)} ${keys.map((k) => `${k} ${median(list.map((p) => p[k] as number)).toFixed(0)} ms`).join(', ')}` +
        ` (writing ${Math.round(RECORDS / (median(list.map((p) => p.writing as number)) / 1000)).toLocaleString('en')} records/s)\n`,
    );
  }
} finally {
  await kafka.close();
}
