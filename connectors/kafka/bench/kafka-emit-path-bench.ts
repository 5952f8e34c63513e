/**
 * The source's runtime cost without a broker: what a `KafkaSource` job adds per record between
 * the split reader's fetch and the sink, measured in one process with no network and no broker
 * JVM on the same cores (the broker bench, `kafka-source-bench.ts`, is the real target; its
 * rounds swing by ±30% with the brokers' scheduling, this one by a few %).
 *
 * Both sides read the same in-memory "fetches": per partition and fetch, `RECORDS_PER_FETCH`
 * kafkajs-shaped messages (string offsets and timestamps, a value buffer view, as kafkajs's
 * decoder hands them over), made once before the first read and only read: what is timed is
 * the reader's own work and garbage (kafkajs's decoding, the same on both sides, is left out). The difference source − raw (ns per record) is the runtime's cost.
 *  - `source`: a bounded job with the Kafka source's reader stack (`SourceReaderBase`,
 *    `SingleSplitFetcherManager`, `KafkaRecordEmitter` with `valueOnly`) over a fake split
 *    reader, a counting `process`, a discarding sink — the broker bench's source job;
 *  - `raw`: the broker bench's raw loop over the same fetches.
 * Alternating order, warm-up, median of the rounds; CPU per record of each and the per-round ratio.
 *
 * Run: `pnpm --filter @tributary/connector-kafka bench:emit-path`.
 * Knobs: `BENCH_ROUNDS` (default 7), `BENCH_RECORDS` (default 600 000), `BENCH_PROFILE=<dir>`.
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import {
  type DeserializationSchema,
  DiscardingSink,
  jsonSerializer,
  Pipeline,
  RecordsBySplits,
  type RecordsWithSplitIds,
  SingleSplitFetcherManager,
  type Source,
  SourceReaderBase,
  type SourceReaderContext,
  type SplitReader,
  type SplitsChange,
  StaticSplitEnumerator,
  silentLogger,
} from '@tributary/core';
import type { KafkaJsFetchedMessage } from '../src/client/kafkajs-internals.js';
import { type KafkaFetchedBatch, kafkaFetchedBatch } from '../src/source/kafka-fetched-batch.js';
import type { KafkaPartitionSplitState } from '../src/source/kafka-partition-split.js';
import { valueOnly } from '../src/source/kafka-record-deserializer.js';
import { KafkaRecordEmitter } from '../src/source/kafka-record-emitter.js';

const PARTITIONS = 3;
const RECORDS_PER_FETCH = 8_000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const RECORDS = Number(process.env.BENCH_RECORDS ?? 600_000);
const VALUE_BYTES = 100;
const BYTES: DeserializationSchema<Uint8Array> = { deserialize: (bytes) => bytes };
const POOL = Buffer.alloc(VALUE_BYTES * RECORDS_PER_FETCH, 0x61);
const BATCH_CONTEXT = Object.freeze({
  firstOffset: '0',
  lastOffsetDelta: 0,
  producerId: '-1',
  inTransaction: false,
});

/** `n` messages from `offset` on, shaped like kafkajs's decoded ones (new objects each call). */
function makeMessages(offset: number, n: number): KafkaJsFetchedMessage[] {
  const out: KafkaJsFetchedMessage[] = new Array(n);
  const now = Date.now();
  for (let i = 0; i < n; i++) {
    out[i] = {
      magicByte: 2,
      attributes: 0,
      timestamp: String(now + i),
      offset: String(offset + i),
      key: null,
      value: POOL.subarray(i * VALUE_BYTES, (i + 1) * VALUE_BYTES),
      headers: {},
      isControlRecord: false,
      batchContext: BATCH_CONTEXT,
    } as KafkaJsFetchedMessage;
  }
  return out;
}

interface Split {
  readonly splitId: string;
  readonly ordinal: number;
  readonly end: number;
}

/** Every split's messages, in fetches of RECORDS_PER_FETCH (made before a read, not timed). */
function makeFetches(): Map<string, KafkaJsFetchedMessage[][]> {
  const bySplit = new Map<string, KafkaJsFetchedMessage[][]>();
  for (const split of splits) {
    const fetches: KafkaJsFetchedMessage[][] = [];
    for (let next = 0; next < split.end; next += RECORDS_PER_FETCH)
      fetches.push(makeMessages(next, Math.min(RECORDS_PER_FETCH, split.end - next)));
    bySplit.set(split.splitId, fetches);
  }
  return bySplit;
}

/** Hands out each split's prepared fetches, one per split and call. */
class FakeFetches implements SplitReader<KafkaFetchedBatch, Split> {
  private readonly positions = new Map<string, { split: Split; next: number; fetch: number }>();
  constructor(private readonly prepared: Map<string, KafkaJsFetchedMessage[][]>) {}
  async fetch(): Promise<RecordsWithSplitIds<KafkaFetchedBatch>> {
    await Promise.resolve();
    const bySplit = new Map<string, KafkaFetchedBatch[]>();
    const finished: string[] = [];
    for (const p of this.positions.values()) {
      const messages = this.prepared.get(p.split.splitId)?.[p.fetch++];
      if (messages !== undefined) {
        p.next += messages.length;
        bySplit.set(p.split.splitId, [kafkaFetchedBatch(messages, p.next)]);
      }
      if (p.next >= p.split.end) finished.push(p.split.splitId);
    }
    for (const id of finished) this.positions.delete(id);
    return new RecordsBySplits(bySplit, finished);
  }
  handleSplitsChanges(change: SplitsChange<Split>): void {
    for (const split of change.splits) this.positions.set(split.splitId, { split, next: 0, fetch: 0 });
  }
  wakeUp(): void {}
  async close(): Promise<void> {}
}

class FakeKafkaReader extends SourceReaderBase<
  KafkaFetchedBatch,
  Uint8Array,
  Split,
  KafkaPartitionSplitState
> {
  constructor(ctx: SourceReaderContext) {
    super(
      new SingleSplitFetcherManager<KafkaFetchedBatch, Split>(
        () => new FakeFetches(prepared),
        {},
        silentLogger,
      ),
      new KafkaRecordEmitter(valueOnly(BYTES), ctx.metricGroup, 'fail', silentLogger),
      ctx,
    );
  }
  protected initializedState(split: Split): KafkaPartitionSplitState {
    return {
      splitId: split.splitId,
      topic: 't',
      partition: split.ordinal,
      offset: 0,
      stoppingOffset: split.end,
    };
  }
  protected toSplitType(splitId: string, state: KafkaPartitionSplitState): Split {
    return { splitId, ordinal: state.partition, end: state.stoppingOffset as number };
  }
  protected onSplitFinished(): void {}
}

const splits: Split[] = Array.from({ length: PARTITIONS }, (_, p) => ({
  splitId: `t-${p}`,
  ordinal: p,
  end: Math.floor(RECORDS / PARTITIONS),
}));
const TOTAL = splits.reduce((s, x) => s + x.end, 0);
/** Made once and only read (the readers move their own positions): old-space data, not garbage. */
const prepared = makeFetches();

const fakeSource: Source<Uint8Array, Split, unknown> = {
  boundedness: 'bounded',
  splitSerializer: jsonSerializer<Split>({ name: 'FakeKafkaSplit' }),
  enumeratorStateSerializer: jsonSerializer<unknown>({ name: 'FakeKafkaEnum' }),
  createEnumerator: (ctx) => new StaticSplitEnumerator(ctx, splits) as never,
  restoreEnumerator: (ctx) => new StaticSplitEnumerator(ctx, splits) as never,
  createReader: (ctx) => new FakeKafkaReader(ctx),
};

/** Garbage-collection pause time (ms) since the process started. */
let gcMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
}).observe({ entryTypes: ['gc'] });

/** Counts records; CPU and wall time from the first record to the last. */
class Span {
  seen = 0;
  private t0 = 0;
  private gc0 = 0;
  private cpu0: NodeJS.CpuUsage | undefined;
  result: { ms: number; cpuUs: number; gcMs: number } | undefined;
  record(value: Uint8Array, timestamp: number): void {
    if (value === undefined || Number.isNaN(timestamp)) throw new Error('record without value or timestamp');
    if (this.seen++ === 0) {
      this.t0 = performance.now();
      this.gc0 = gcMs;
      this.cpu0 = process.cpuUsage();
    }
    if (this.seen === TOTAL) {
      const cpu = process.cpuUsage(this.cpu0);
      this.result = { ms: performance.now() - this.t0, cpuUs: cpu.user + cpu.system, gcMs: gcMs - this.gc0 };
    }
  }
}

async function sourceRead(): Promise<Read> {
  const span = new Span();
  await Pipeline.from(fakeSource)
    .process<Uint8Array>((value, ctx) => span.record(value, ctx.timestamp as number))
    .sinkTo(new DiscardingSink<Uint8Array>())
    .execute({ parallelism: 1 }, { logger: silentLogger });
  if (span.result === undefined) throw new Error(`source read ${span.seen} of ${TOTAL}`);
  return span.result;
}

async function rawRead(): Promise<Read> {
  const span = new Span();
  const fetches = new FakeFetches(prepared);
  fetches.handleSplitsChanges({ type: 'add', splits });
  for (;;) {
    const fetched = await fetches.fetch();
    if (fetched.recordsBySplit.size === 0) break;
    for (const batches of fetched.recordsBySplit.values())
      for (const { records } of batches)
        for (const m of records) {
          if (m.isControlRecord || m.value === null) continue;
          span.record(BYTES.deserialize(m.value), Number(m.timestamp));
        }
  }
  if (span.result === undefined) throw new Error(`raw read ${span.seen} of ${TOTAL}`);
  return span.result;
}

interface Read {
  readonly ms: number;
  readonly cpuUs: number;
  readonly gcMs: number;
}

const READ = { source: sourceRead, raw: rawRead } as const;
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const runs = { source: [] as Read[], raw: [] as Read[] };
for (let round = 0; round < ROUNDS + 1; round++) {
  const order = round % 2 === 0 ? (['source', 'raw'] as const) : (['raw', 'source'] as const);
  for (const reader of order) {
    const profileDir = process.env.BENCH_PROFILE;
    let session: Session | undefined;
    if (profileDir && round === 1) {
      session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 100 });
      await session.post('Profiler.start');
    }
    const r = await READ[reader]();
    if (session) {
      const { profile } = await session.post('Profiler.stop');
      await writeFile(`${profileDir}/emit-${reader}.cpuprofile`, JSON.stringify(profile));
      session.disconnect();
    }
    if (round > 0) runs[reader].push(r);
  }
}
const ns = (r: { cpuUs: number }) => (r.cpuUs * 1000) / TOTAL;
for (const reader of ['source', 'raw'] as const)
  process.stdout.write(
    `${reader.padEnd(7)} CPU ns/record median ${median(runs[reader].map(ns)).toFixed(0)} (rounds ${runs[reader].map((r) => ns(r).toFixed(0)).join(' ')}), ${median(runs[reader].map((r) => TOTAL / (r.ms / 1000))).toFixed(0)} records/s, GC median ${median(runs[reader].map((r) => r.gcMs)).toFixed(1)} ms\n`,
  );
const ratios = runs.source.map((s, i) => ns(s) / ns(runs.raw[i] as { cpuUs: number }));
const extra = runs.source.map((s, i) => ns(s) - ns(runs.raw[i] as { cpuUs: number }));
process.stdout.write(
  `source − raw CPU per record: median ${median(extra).toFixed(0)} ns (rounds ${extra.map((x) => x.toFixed(0)).join(' ')}); ratio median ${median(ratios).toFixed(2)}\n`,
);
