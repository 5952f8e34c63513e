import {
  type DeserializationSchema,
  hasErrorCode,
  isTributaryError,
  MetricRegistry,
  type RecordsWithSplitIds,
  type SourceOutput,
  SourceReaderMetricGroup,
  silentLogger,
  TributaryError,
} from '@tributary/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { KafkaJsCluster, KafkaJsFetchedMessage } from '../client/kafkajs-internals.js';
import { KafkaErrorCodes } from '../kafka-error-codes.js';
import type { KafkaFetchedBatch } from './kafka-fetched-batch.js';
import { type KafkaPartitionSplitState, kafkaPartitionSplit } from './kafka-partition-split.js';
import { KafkaPartitionSplitReader } from './kafka-partition-split-reader.js';
import { type KafkaRecordDeserializer, valueOnly } from './kafka-record-deserializer.js';
import { KafkaRecordEmitter } from './kafka-record-emitter.js';
import { KafkaSourceOptions } from './kafka-source-options.js';
import type { KafkaFetchReporting } from './kafka-split-fates.js';

const TOPIC = 't';

/** A kafkajs cluster stub whose every partition leads on broker 1, `broker`. */
function oneBrokerCluster(broker: unknown): KafkaJsCluster {
  return {
    connect: async () => undefined,
    disconnect: async () => undefined,
    refreshMetadata: async () => undefined,
    addMultipleTargetTopics: async () => undefined,
    findLeaderForPartitions: (_topic: string, partitions: number[]) => ({ '1': partitions }),
    findBroker: async () => broker,
  } as unknown as KafkaJsCluster;
}

/** One partition's log served by a fake leader; `fetchOffsets` records every Fetch's position. */
function fakeCluster(
  values: readonly string[],
  ends: { readonly highWatermark: number; readonly lastStableOffset: number } | undefined = undefined,
): { cluster: KafkaJsCluster; fetchOffsets: string[] } {
  const fetchOffsets: string[] = [];
  const messages: KafkaJsFetchedMessage[] = values.map((v, offset) => ({
    offset: String(offset),
    timestamp: String(1_700_000_000_000 + offset),
    key: null,
    value: Buffer.from(v),
  }));
  const broker = {
    fetch: async (request: { topics: { partitions: { partition: number; fetchOffset: string }[] }[] }) => {
      const [asked] = request.topics.flatMap((t) => t.partitions);
      if (asked === undefined) throw new Error('a fetch without partitions');
      const { partition, fetchOffset } = asked;
      fetchOffsets.push(fetchOffset);
      return {
        responses: [
          {
            topicName: TOPIC,
            partitions: [
              {
                partition,
                errorCode: 0,
                highWatermark: String(ends?.highWatermark ?? messages.length),
                lastStableOffset: String(ends?.lastStableOffset ?? messages.length),
                messages: messages.slice(Number(fetchOffset)),
              },
            ],
          },
        ],
      };
    },
  };
  return { cluster: oneBrokerCluster(broker), fetchOffsets };
}

/**
 * A registry-like value schema: `prepare` "loads" the ids (the text) of a batch, `deserialize`
 * throws for an id that was not loaded — what ConfluentAvroDeserializationSchema does. Every call
 * goes to `events`, so the order of prepare and deserialize is visible.
 */
class FakeRegistrySchema implements DeserializationSchema<string> {
  readonly events: string[] = [];
  readonly loaded = new Set<string>();
  /** Errors thrown by the next prepare calls, in order. */
  readonly failures: unknown[] = [];
  /** Values whose prepare always fails permanently (an id the registry does not know). */
  readonly unknown = new Set<string>();
  /** When set, prepare waits for it (a slow registry). */
  gate: Promise<void> | undefined;

  async prepare(messages: readonly Uint8Array[]): Promise<void> {
    const texts = messages.map((m) => Buffer.from(m).toString('utf8'));
    this.events.push(`prepare ${texts.join(',')}`);
    await this.gate;
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    const bad = texts.find((t) => this.unknown.has(t));
    if (bad !== undefined)
      throw new TributaryError('TEST_SCHEMA_NOT_FOUND', `no schema for ${bad}`, { retriable: false });
    for (const t of texts) this.loaded.add(t);
  }

  deserialize(bytes: Uint8Array): string {
    const text = Buffer.from(bytes).toString('utf8');
    this.events.push(`deserialize ${text}`);
    if (!this.loaded.has(text)) throw new Error(`${text} was not prepared`);
    return text;
  }
}

const outage = (): TributaryError =>
  new TributaryError('TEST_REGISTRY_DOWN', 'registry unavailable', { retriable: true });

const readers: KafkaPartitionSplitReader[] = [];
afterEach(async () => {
  await Promise.all(readers.splice(0).map((r) => r.close()));
});

async function splitReader(
  values: readonly string[],
  deserializer: KafkaRecordDeserializer<unknown>,
  options: { onDeserializationError?: 'fail' | 'skip'; retries?: number } = {},
) {
  const { cluster, fetchOffsets } = fakeCluster(values);
  const resolved = KafkaSourceOptions.parse({
    brokers: ['127.0.0.1:1'],
    topics: [TOPIC],
    retries: options.retries ?? 2,
    initialRetryTimeMs: 1,
    maxRetryTimeMs: 2,
    onDeserializationError: options.onDeserializationError ?? 'fail',
  });
  const reader = new KafkaPartitionSplitReader(cluster, resolved, new Map(), silentLogger, deserializer);
  readers.push(reader);
  const split = kafkaPartitionSplit(TOPIC, 0, 0);
  await reader.handleSplitsChanges({ type: 'add', splits: [split] });
  return { reader, fetchOffsets, split };
}

/** A source output that appends every value to `out` (watermarks and idleness ignored). */
function collectingOutput<T>(out: T[]): SourceOutput<T> {
  return {
    collect: (value) => out.push(value),
    emitWatermark: () => undefined,
    markIdle: () => undefined,
    markActive: () => undefined,
  };
}

/** Emits a fetch through the real emitter, the way the source reader does. */
function emitAll(
  fetched: RecordsWithSplitIds<KafkaFetchedBatch>,
  emitter: KafkaRecordEmitter<string>,
): string[] {
  const out: string[] = [];
  const output = collectingOutput(out);
  const state: KafkaPartitionSplitState = {
    splitId: `${TOPIC}-0`,
    topic: TOPIC,
    partition: 0,
    offset: 0,
    stoppingOffset: undefined,
  };
  for (const batches of fetched.recordsBySplit.values())
    for (const batch of batches) emitter.emitRecord(batch, output, state);
  return out;
}

/** The messages of a fetch, all splits. */
function messagesOf(fetched: RecordsWithSplitIds<KafkaFetchedBatch>): KafkaJsFetchedMessage[] {
  return [...fetched.recordsBySplit.values()].flat().flatMap((b) => [...b.records]);
}

async function caught(work: Promise<unknown>): Promise<TributaryError> {
  try {
    await work;
  } catch (error) {
    if (isTributaryError(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('KafkaPartitionSplitReader end offsets (pendingRecords)', () => {
  for (const [isolationLevel, end] of [
    ['read_committed', 2],
    ['read_uncommitted', 5],
  ] as const) {
    it(`records the ${isolationLevel === 'read_committed' ? 'last stable offset' : 'high watermark'} under ${isolationLevel}`, async () => {
      // Two committed records, then an open transaction holding three more.
      const { cluster } = fakeCluster(['a', 'b'], { highWatermark: 5, lastStableOffset: 2 });
      const ends = new Map<string, number>();
      const resolved = KafkaSourceOptions.parse({
        brokers: ['127.0.0.1:1'],
        topics: [TOPIC],
        isolationLevel,
      });
      const reader = new KafkaPartitionSplitReader(
        cluster,
        resolved,
        ends,
        silentLogger,
        valueOnly(new FakeRegistrySchema()),
      );
      readers.push(reader);
      const split = kafkaPartitionSplit(TOPIC, 0, 0);
      await reader.handleSplitsChanges({ type: 'add', splits: [split] });
      await reader.fetch();
      expect(ends.get(split.splitId)).toBe(end);
    });
  }
});

describe('KafkaPartitionSplitReader prepare', () => {
  it('prepares each fetched batch once, before any of its records is deserialized', async () => {
    const schema = new FakeRegistrySchema();
    const deserializer = valueOnly(schema);
    const { reader } = await splitReader(['a', 'b', 'c'], deserializer);
    const metrics = new SourceReaderMetricGroup(new MetricRegistry(), {});
    const emitter = new KafkaRecordEmitter(deserializer, metrics, 'fail', silentLogger);

    const fetched = await reader.fetch();
    expect(schema.events).toEqual(['prepare a,b,c']);
    expect(emitAll(fetched, emitter)).toEqual(['a', 'b', 'c']);
    expect(schema.events).toEqual(['prepare a,b,c', 'deserialize a', 'deserialize b', 'deserialize c']);
  });

  it('retries a transient failure (registry outage) and then hands the batch over', async () => {
    const schema = new FakeRegistrySchema();
    schema.failures.push(outage(), outage());
    const { reader, fetchOffsets } = await splitReader(['a', 'b'], valueOnly(schema), { retries: 2 });
    const fetched = await reader.fetch();
    expect(schema.events).toEqual(['prepare a,b', 'prepare a,b', 'prepare a,b']);
    expect(messagesOf(fetched).map((m) => m.offset)).toEqual(['0', '1']);
    expect(fetchOffsets).toEqual(['0']);
  });

  it('fails the fetch with a typed, retriable error naming the offset range once retries run out, even with skip', async () => {
    const schema = new FakeRegistrySchema();
    schema.failures.push(outage(), outage(), outage());
    const { reader, fetchOffsets } = await splitReader(['a', 'b', 'c'], valueOnly(schema), {
      retries: 1,
      onDeserializationError: 'skip',
    });
    const error = await caught(reader.fetch());
    expect(error.code).toBe(KafkaErrorCodes.PREPARE_FAILED);
    expect(error.retriable).toBe(true);
    expect(error.message).toContain('t-0@0..2');
    expect(error.context).toMatchObject({ topic: TOPIC, partition: 0, fromOffset: 0, toOffset: 2 });
    expect(hasErrorCode(error, 'TEST_REGISTRY_DOWN')).toBe(true);
    // Two attempts (retries: 1), no record-by-record fallback for an outage: nothing is skipped.
    expect(schema.events).toEqual(['prepare a,b,c', 'prepare a,b,c']);
    // The position did not move: the next fetch asks for the same records again.
    schema.failures.length = 0;
    const again = await reader.fetch();
    expect(fetchOffsets).toEqual(['0', '0']);
    expect(messagesOf(again)).toHaveLength(3);
  });

  it("fails on a permanent failure with onDeserializationError 'fail'", async () => {
    const schema = new FakeRegistrySchema();
    schema.unknown.add('b');
    const { reader } = await splitReader(['a', 'b', 'c'], valueOnly(schema));
    const error = await caught(reader.fetch());
    expect(error.code).toBe(KafkaErrorCodes.PREPARE_FAILED);
    expect(error.retriable).toBe(false);
    expect(hasErrorCode(error, 'TEST_SCHEMA_NOT_FOUND')).toBe(true);
    expect(schema.events).toEqual(['prepare a,b,c']);
  });

  it("with 'skip', prepares record by record so only the failing record is skipped and counted", async () => {
    const schema = new FakeRegistrySchema();
    schema.unknown.add('b');
    const deserializer = valueOnly(schema);
    const { reader } = await splitReader(['a', 'b', 'c'], deserializer, {
      onDeserializationError: 'skip',
    });
    const registry = new MetricRegistry();
    const metrics = new SourceReaderMetricGroup(registry, {});
    const emitter = new KafkaRecordEmitter(deserializer, metrics, 'skip', silentLogger);

    const fetched = await reader.fetch();
    expect(schema.events).toEqual(['prepare a,b,c', 'prepare a', 'prepare b', 'prepare c']);
    expect(emitAll(fetched, emitter)).toEqual(['a', 'c']);
    expect(
      registry
        .metrics()
        .find((m) => m.name === 'numRecordsInErrors')
        ?.read(),
    ).toBe(1);
  });

  it('a wake-up during prepare returns nothing and leaves the position where it was', async () => {
    const schema = new FakeRegistrySchema();
    let release: () => void = () => undefined;
    schema.gate = new Promise((resolve) => {
      release = resolve;
    });
    const { reader, fetchOffsets } = await splitReader(['a', 'b'], valueOnly(schema));
    const pending = reader.fetch();
    await waitFor(() => schema.events.length === 1);
    reader.wakeUp();
    const woken = await pending;
    expect(woken.recordsBySplit.size).toBe(0);
    release();
    schema.gate = undefined;
    const fetched = await reader.fetch();
    expect(fetchOffsets).toEqual(['0', '0']);
    expect(messagesOf(fetched).map((m) => m.offset)).toEqual(['0', '1']);
  });

  it('does not call prepare when the deserializer has none', async () => {
    const { reader } = await splitReader(['a'], { deserialize: () => 'x' });
    const fetched = await reader.fetch();
    expect(messagesOf(fetched)).toHaveLength(1);
  });
});

/** Polls a condition on the event loop (the fake prepare is reached after a few microtasks). */
async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((r) => setImmediate(r));
  expect(condition()).toBe(true);
}

describe('KafkaPartitionSplitReader per-leader fetching', () => {
  /** Partition p's leader is node p + 1; `gates[p]` holds its answers, `failures[p]` fails them first. */
  function twoLeaders() {
    const fetched: string[] = [];
    const gates: (Promise<void> | undefined)[] = [undefined, undefined];
    const failures: number[] = [0, 0];
    const brokerFor = (node: number) => ({
      fetch: async (request: { topics: { partitions: { partition: number; fetchOffset: string }[] }[] }) => {
        const asked = request.topics.flatMap((t) => t.partitions);
        const p = node - 1;
        fetched.push(`p${p}@${asked.map((a) => a.fetchOffset).join(',')}`);
        await gates[p];
        if ((failures[p] ?? 0) > 0) {
          failures[p] = (failures[p] ?? 0) - 1;
          throw Object.assign(new Error('leader moved'), { type: 'NOT_LEADER_OR_FOLLOWER' });
        }
        return {
          responses: [
            {
              topicName: TOPIC,
              partitions: asked.map(({ partition, fetchOffset }) => ({
                partition,
                errorCode: 0,
                highWatermark: '1',
                messages:
                  fetchOffset === '0'
                    ? [
                        {
                          offset: '0',
                          timestamp: '1700000000000',
                          key: null,
                          value: Buffer.from(`v${partition}`),
                        },
                      ]
                    : [],
              })),
            },
          ],
        };
      },
    });
    const cluster = {
      connect: async () => undefined,
      disconnect: async () => undefined,
      refreshMetadata: async () => undefined,
      addMultipleTargetTopics: async () => undefined,
      findLeaderForPartitions: (_topic: string, partitions: number[]) => ({
        [String((partitions[0] ?? 0) + 1)]: partitions,
      }),
      findBroker: async ({ nodeId }: { nodeId: number }) => brokerFor(nodeId),
    } as unknown as KafkaJsCluster;
    return { cluster, fetched, gates, failures };
  }

  async function reader(
    cluster: KafkaJsCluster,
    extra: { fetchRetryTimeoutMs?: number } = {},
    reporting: KafkaFetchReporting = {},
  ) {
    const options = KafkaSourceOptions.parse({
      brokers: ['127.0.0.1:1'],
      topics: [TOPIC],
      retries: 3,
      initialRetryTimeMs: 1,
      maxRetryTimeMs: 2,
      ...extra,
    });
    const r = new KafkaPartitionSplitReader(
      cluster,
      options,
      new Map(),
      silentLogger,
      valueOnly(utf8),
      reporting,
    );
    readers.push(r);
    await r.handleSplitsChanges({
      type: 'add',
      splits: [kafkaPartitionSplit(TOPIC, 0, 0), kafkaPartitionSplit(TOPIC, 1, 0)],
    });
    return r;
  }

  const utf8: DeserializationSchema<string> = { deserialize: (b) => Buffer.from(b).toString('utf8') };
  const within = <T>(promise: Promise<T>, ms: number) =>
    Promise.race([
      promise,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms)),
    ]);

  it('returns a leader’s data without waiting for a slow leader, whose fetch stays in flight', async () => {
    const fake = twoLeaders();
    let release: () => void = () => undefined;
    fake.gates[1] = new Promise<void>((resolve) => {
      release = resolve;
    });
    const r = await reader(fake.cluster);
    const first = await within(r.fetch(), 2000);
    expect([...first.recordsBySplit.keys()]).toEqual([kafkaPartitionSplit(TOPIC, 0, 0).splitId]);
    release();
    // The slow leader's fetch (started once) is used by a later call.
    const ids = new Set<string>();
    // Leader 0 answers again at once (empty): loop to a deadline, not a count.
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && !ids.has(kafkaPartitionSplit(TOPIC, 1, 0).splitId)) {
      const next = await within(r.fetch(), 2000);
      for (const [id, batches] of next.recordsBySplit)
        if (batches.some((b) => b.records.length > 0)) ids.add(id);
    }
    expect(ids).toContain(kafkaPartitionSplit(TOPIC, 1, 0).splitId);
    expect(fake.fetched.filter((f) => f === 'p1@0')).toHaveLength(1);
  });

  it('keeps the data of healthy leaders while a failing leader backs off and retries', async () => {
    const fake = twoLeaders();
    fake.failures[1] = 2;
    const r = await reader(fake.cluster);
    const seen = new Set<string>();
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && seen.size < 2) {
      const next = await within(r.fetch(), 2000);
      for (const [id, batches] of next.recordsBySplit)
        if (batches.some((b) => b.records.length > 0)) seen.add(id);
    }
    expect(seen.size).toBe(2);
    // Partition 0's record was fetched once: the other leader's failures did not discard it.
    expect(fake.fetched.filter((f) => f === 'p0@0')).toHaveLength(1);
    expect(fake.fetched.filter((f) => f === 'p1@0')).toHaveLength(3);
  });

  it('retries a failing leader past the client retries by default (no deadline), counting each failure', async () => {
    const fake = twoLeaders();
    fake.failures[1] = 25; // far more than retries: 3
    let fetchErrors = 0;
    const r = await reader(fake.cluster, {}, { fetchError: () => fetchErrors++ });
    const seen = new Set<string>();
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && seen.size < 2) {
      const next = await within(r.fetch(), 2000);
      for (const [id, batches] of next.recordsBySplit)
        if (batches.some((b) => b.records.length > 0)) seen.add(id);
    }
    expect(seen.size).toBe(2);
    expect(fetchErrors).toBe(25);
  });

  it('fails with TRIB_KAFKA_REQUEST_FAILED once a leader has failed for fetchRetryTimeoutMs', async () => {
    const fake = twoLeaders();
    fake.failures[1] = 1_000;
    const r = await reader(fake.cluster, { fetchRetryTimeoutMs: 0 });
    const error = await (async () => {
      for (let i = 0; i < 100; i++) await within(r.fetch(), 2000);
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(hasErrorCode(error, KafkaErrorCodes.REQUEST_FAILED), String(error)).toBe(true);
    expect(error).toMatchObject({ context: { operation: 'Fetch', leader: '2', failures: 1 } });
  });
});
