import { CollectSink, Pipeline } from '@tributary/core';
import { type KafkaService, useService, waitUntil } from '@tributary/e2e';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exactInput } from '../testing-fixtures/exact-input.js';
import {
  type KafkaMessage,
  kafkaMessageDeserializer,
  utf8Schema,
  valueOnly,
} from './kafka-record-deserializer.js';
import { KafkaSource } from './kafka-source.js';
import type { KafkaSourceOptionsInput } from './kafka-source-options.js';

describe('KafkaSource (real broker)', () => {
  let kafka: KafkaService;
  let client: Kafka;

  beforeAll(async () => {
    kafka = await useService('kafka');
    client = new Kafka({ brokers: kafka.brokers, clientId: 'kafka-source-test', logLevel: logLevel.NOTHING });
  });
  afterAll(async () => {
    await kafka?.close();
  });

  /** Produces `values` to explicit partitions (`p:value`), with timestamps `ts` when given. */
  async function produce(
    topic: string,
    records: { partition: number; value: string; key?: string; timestamp?: number }[],
  ) {
    const producer = client.producer(exactInput);
    await producer.connect();
    await producer.send({
      topic,
      messages: records.map((r) => ({
        partition: r.partition,
        value: r.value,
        key: r.key ?? null,
        ...(r.timestamp === undefined ? {} : { timestamp: String(r.timestamp) }),
        headers: { origin: 'test' },
      })),
    });
    await producer.disconnect();
  }

  function source<T = string>(
    options: Partial<KafkaSourceOptionsInput>,
    deserializer = valueOnly(utf8Schema),
  ) {
    return new KafkaSource<T>(
      { brokers: kafka.brokers, stoppingOffsets: 'latest', ...options } as KafkaSourceOptionsInput,
      deserializer as never,
    );
  }

  async function runBounded<T>(src: KafkaSource<T>, parallelism = 2): Promise<T[]> {
    using out = CollectSink.create<T>();
    await Pipeline.from(src).sinkTo(out.sink).execute({ parallelism });
    return out.results();
  }

  it('reads every partition from earliest to latest, in order per partition, with metadata', async () => {
    const topic = await kafka.createTopic({ partitions: 3 });
    const records = Array.from({ length: 90 }, (_, i) => ({
      partition: i % 3,
      value: `v${i}`,
      key: `k${i}`,
    }));
    await produce(topic, records);
    const messages = await runBounded(
      source<KafkaMessage<string, string>>(
        { topics: [topic] },
        kafkaMessageDeserializer({ key: utf8Schema, value: utf8Schema }) as never,
      ),
      2,
    );
    expect(messages).toHaveLength(90);
    for (let p = 0; p < 3; p++) {
      const inPartition = messages.filter((m) => m.partition === p);
      expect(inPartition.map((m) => m.offset)).toEqual(Array.from({ length: 30 }, (_, i) => i));
      expect(inPartition.map((m) => m.value)).toEqual(
        records.filter((r) => r.partition === p).map((r) => r.value),
      );
    }
    const first = messages.find((m) => m.partition === 0 && m.offset === 0);
    expect(first?.topic).toBe(topic);
    expect(first?.key).toBe('k0');
    expect(first?.headers.origin?.toString()).toBe('test');
    expect(first?.timestamp).toBeGreaterThan(Date.now() - 600_000);
  });

  it('starts at specific offsets and a timestamp, and stops at specific offsets', async () => {
    const topic = await kafka.createTopic({ partitions: 2 });
    const base = Date.now() - 100_000;
    await produce(
      topic,
      Array.from({ length: 20 }, (_, i) => ({
        partition: i % 2,
        value: `v${i}`,
        timestamp: base + i * 1000,
      })),
    );
    const specific = await runBounded(
      source({
        topics: [topic],
        startingOffsets: { specific: { [topic]: { '0': 7 } } },
        stoppingOffsets: { specific: { [topic]: { '1': 3 } } },
      }),
    );
    // Partition 0: offsets 7..9 (v14, v16, v18); partition 1: unlisted start → earliest, stop at 3 (v1, v3, v5).
    expect(specific.sort()).toEqual(['v1', 'v14', 'v16', 'v18', 'v3', 'v5']);
    const fromTimestamp = await runBounded(
      source({ topics: [topic], startingOffsets: { timestamp: base + 16_000 } }),
    );
    expect(fromTimestamp.sort()).toEqual(['v16', 'v17', 'v18', 'v19']);
    const untilTimestamp = await runBounded(
      source({ topics: [topic], stoppingOffsets: { timestamp: base + 4000 } }),
    );
    expect(untilTimestamp.sort()).toEqual(['v0', 'v1', 'v2', 'v3']);
  });

  it('starts at committed offsets with a reset fallback and commits offsets on checkpoint completion', async () => {
    const topic = await kafka.createTopic({ partitions: 2 });
    const groupId = `${topic}-group`;
    await produce(
      topic,
      Array.from({ length: 10 }, (_, i) => ({ partition: i % 2, value: `v${i}` })),
    );
    // No committed offsets yet: the reset strategy (earliest) applies; a checkpoint at the end commits.
    const first = await runBounded(source({ topics: [topic], groupId, startingOffsets: 'committed' }));
    expect(first).toHaveLength(10);
    const admin = await kafka.adminClient();
    await waitUntil(
      async () => {
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        if (!committed?.partitions.every((p) => p.offset === '5')) throw new Error('not committed yet');
      },
      { timeoutMs: 20_000, what: 'offsets committed to the group' },
    );
    await produce(topic, [
      { partition: 0, value: 'late-0' },
      { partition: 1, value: 'late-1' },
    ]);
    const second = await runBounded(source({ topics: [topic], groupId, startingOffsets: 'committed' }));
    expect(second.sort()).toEqual(['late-0', 'late-1']);
    // Latest start reads nothing of what exists.
    expect(await runBounded(source({ topics: [topic], startingOffsets: 'latest' }))).toEqual([]);
  });

  it('read_committed skips aborted transactions and stops at the last stable offset', async () => {
    const topic = await kafka.createTopic();
    const producer = client.producer({
      transactionalId: `${topic}-tx`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ value: 'aborted-1' }, { value: 'aborted-2' }] });
    await aborted.abort();
    const committed = await producer.transaction();
    await committed.send({ topic, messages: [{ value: 'committed' }] });
    await committed.commit();
    const open = await producer.transaction();
    await open.send({ topic, messages: [{ value: 'still-open' }] });
    try {
      expect(await runBounded(source({ topics: [topic] }), 1)).toEqual(['committed']);
      const uncommitted = await runBounded(
        source({ topics: [topic], isolationLevel: 'read_uncommitted' }),
        1,
      );
      expect(uncommitted).toEqual(['aborted-1', 'aborted-2', 'committed', 'still-open']);
    } finally {
      await open.abort();
      await producer.disconnect();
    }
  });

  it('read_committed filters interleaved aborted transactions of several producers (where kafkajs leaks)', async () => {
    const topic = await kafka.createTopic();
    const a = client.producer({ transactionalId: `${topic}-a`, idempotent: true, maxInFlightRequests: 1 });
    const b = client.producer({ transactionalId: `${topic}-b`, idempotent: true, maxInFlightRequests: 1 });
    await Promise.all([a.connect(), b.connect()]);
    const ta = await a.transaction();
    const tb = await b.transaction();
    await ta.send({ topic, messages: [{ value: 'a-aborted-1' }] });
    await tb.send({ topic, messages: [{ value: 'b-aborted-1' }] });
    await ta.send({ topic, messages: [{ value: 'a-aborted-2' }] });
    // b's abort marker comes first, so the broker lists b's aborted transaction before a's.
    await tb.abort();
    await ta.send({ topic, messages: [{ value: 'a-aborted-3' }] });
    await ta.abort();
    const committed = await a.transaction();
    await committed.send({ topic, messages: [{ value: 'a-committed' }] });
    await committed.commit();
    await Promise.all([a.disconnect(), b.disconnect()]);
    expect(await runBounded(source({ topics: [topic] }), 1)).toEqual(['a-committed']);
  });

  it('reads topics matching a pattern and explicit partitions', async () => {
    const prefix = `pattern-${Date.now().toString(36)}`;
    const a = await kafka.createTopic({ prefix: `${prefix}-a`, partitions: 2 });
    const b = await kafka.createTopic({ prefix: `${prefix}-b` });
    await produce(a, [
      { partition: 0, value: 'a0' },
      { partition: 1, value: 'a1' },
    ]);
    await produce(b, [{ partition: 0, value: 'b0' }]);
    const matched = await runBounded(source({ topicPattern: `^${prefix}-` }));
    expect(matched.sort()).toEqual(['a0', 'a1', 'b0']);
    const explicit = await runBounded(source({ partitions: [{ topic: a, partition: 1 }] }));
    expect(explicit).toEqual(['a1']);
  });

  it('an unbounded source discovers topics created while it runs and reads them from earliest', async () => {
    const prefix = `disc-${Date.now().toString(36)}`;
    const first = await kafka.createTopic({ prefix: `${prefix}-1` });
    await produce(first, [{ partition: 0, value: 'before-start' }]);
    const out = CollectSink.create<string>();
    const job = Pipeline.from(
      source({
        topicPattern: `^${prefix}-`,
        stoppingOffsets: 'never',
        startingOffsets: 'latest',
        partitionDiscoveryIntervalMs: 200,
      }),
    )
      .sinkTo(out.sink)
      .start({ parallelism: 2 });
    try {
      // 'latest' applies to the partitions of the first discovery only; a topic created later is
      // read from its first record, whenever discovery finds it.
      const second = await kafka.createTopic({ prefix: `${prefix}-2`, partitions: 2 });
      await produce(second, [
        { partition: 0, value: 'new-0' },
        { partition: 1, value: 'new-1' },
      ]);
      const results = await out.waitForCount(2, { timeoutMs: 20_000 });
      expect(results.sort()).toEqual(['new-0', 'new-1']);
    } finally {
      await job.cancel();
      out[Symbol.dispose]();
    }
  });
});
