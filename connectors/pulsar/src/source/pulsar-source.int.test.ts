import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CollectSink, Pipeline, type Sink, sleep } from '@tributary/core';
import { type PulsarService, useService, waitUntil } from '@tributary/e2e';
import { type MessageId, PulsarClient } from '@tributary/pulsar-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PulsarMessageDeserializer } from './pulsar-message-deserializer.js';
import { PulsarSource } from './pulsar-source.js';
import type { PulsarSourceOptionsInput } from './pulsar-source-options.js';

/** What the tests read back: payload, key, partition topic, id, times. */
interface Read {
  readonly value: string;
  readonly key: string | undefined;
  readonly topic: string;
  readonly id: string;
  readonly eventTime: number;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();
const asRead: PulsarMessageDeserializer<Read> = {
  deserialize: (m) => ({
    value: decoder.decode(m.payload),
    key: m.key,
    topic: m.topic,
    id: `${m.messageId.ledgerId}:${m.messageId.entryId}:${m.messageId.batchIndex}`,
    eventTime: m.eventTime,
  }),
};

const idText = (id: MessageId) => `${id.ledgerId}:${id.entryId}`;

/**
 * A sink that keeps each write (one per poll of the reader) and, while `hold` returns a promise,
 * waits for it before returning: the subtask reads nothing meanwhile.
 */
function writesSink(writes: string[][], hold: () => Promise<void> | undefined): Sink<Read> {
  return {
    createWriter: () => ({
      async write(batch: readonly Read[]) {
        writes.push(batch.map((r) => r.value));
        await hold();
      },
      async flush() {},
      async close() {},
    }),
  };
}

describe('PulsarSource (real broker)', () => {
  let pulsar: PulsarService;
  let client: PulsarClient;
  let dir: string;

  beforeAll(async () => {
    pulsar = await useService('pulsar');
    client = new PulsarClient({ serviceUrl: pulsar.connection.serviceUrl, operationTimeoutMs: 60_000 });
    dir = await mkdtemp(join(tmpdir(), 'pulsar-source-'));
  });
  afterAll(async () => {
    await client?.close();
    await pulsar?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Sends `values` (keyed `k<i % keys>`) one by one without batching: ids are per message. */
  async function produce(topic: string, values: readonly string[], extra: { eventTime?: number } = {}) {
    const producer = await client.createProducer({ topic, batchingEnabled: false });
    const ids: MessageId[] = [];
    for (const [i, value] of values.entries()) {
      ids.push(await producer.send({ payload: encoder.encode(value), key: `k${i % 3}`, ...extra }));
    }
    await producer.close();
    return ids;
  }

  /** Waits until `subscription` on the partitioned `topic` has `backlog` unacknowledged messages. */
  async function waitForBacklog(topic: string, subscription: string, backlog: number): Promise<void> {
    await waitUntil(
      async () => {
        const stats = await pulsar.admin<{ subscriptions: Record<string, { msgBacklog: number }> }>(
          'GET',
          `/admin/v2/${topic.replace('://', '/')}/partitioned-stats`,
        );
        const now = stats.subscriptions[subscription]?.msgBacklog;
        if (now !== backlog) throw new Error(`backlog ${now}`);
      },
      { timeoutMs: 20_000, what: `backlog ${backlog} on ${subscription}` },
    );
  }

  function source(options: Partial<PulsarSourceOptionsInput>) {
    return new PulsarSource<Read>(
      {
        serviceUrl: pulsar.connection.serviceUrl,
        subscriptionName: 'test',
        stopCursor: 'latest',
        fetchMaxWaitMs: 200,
        ...options,
      } as PulsarSourceOptionsInput,
      asRead,
    );
  }

  async function runBounded(src: PulsarSource<Read>, parallelism = 2): Promise<Read[]> {
    using out = CollectSink.create<Read>();
    await Pipeline.from(src).sinkTo(out.sink).execute({ parallelism });
    return out.results();
  }

  it('Failover: reads every partition from earliest to latest, in order per partition', async () => {
    const topic = await pulsar.createTopic({ partitions: 3 });
    const producer = await client.createProducer({ topic, batchingMaxMessages: 4 });
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        producer.send({ payload: encoder.encode(`v${i}`), key: `k${i % 5}` }),
      ),
    );
    await producer.close();
    const read = await runBounded(source({ topics: [topic], subscriptionType: 'Failover' }));
    expect(read.map((r) => r.value).sort()).toEqual(Array.from({ length: 60 }, (_, i) => `v${i}`).sort());
    for (let k = 0; k < 5; k++) {
      const ofKey = read.filter((r) => r.key === `k${k}`).map((r) => Number(r.value.slice(1)));
      expect(ofKey).toEqual([...ofKey].sort((a, b) => a - b));
    }
  });

  it('starts at a message id (inclusive or after), a publish time, or latest', async () => {
    const topic = await pulsar.createTopic();
    const ids = await produce(topic, ['a', 'b', 'c', 'd', 'e']);
    const values = async (options: Partial<PulsarSourceOptionsInput>) =>
      (await runBounded(source({ topics: [topic], ...options }), 1)).map((r) => r.value);
    expect(await values({ startCursor: { messageId: idText(ids[2] as MessageId) } })).toEqual([
      'c',
      'd',
      'e',
    ]);
    expect(
      await values({ startCursor: { messageId: idText(ids[2] as MessageId), inclusive: false } }),
    ).toEqual(['d', 'e']);
    expect(await values({ startCursor: { publishTime: Date.now() + 60_000 } })).toEqual([]);
    expect(await values({ startCursor: 'latest' })).toEqual([]);
    expect(await values({ startCursor: 'earliest' })).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('stops at or after a message id, at a publish time, after an event time', async () => {
    const topic = await pulsar.createTopic();
    const ids = await produce(topic, ['a', 'b', 'c'], { eventTime: 1000 });
    // Publish times are the broker's clock (this machine's) in ms: keep the boundary clear of both sides.
    await sleep(2);
    const boundary = Date.now();
    await sleep(2);
    await produce(topic, ['d', 'e'], { eventTime: 2000 });
    const values = async (stopCursor: PulsarSourceOptionsInput['stopCursor']) =>
      (await runBounded(source({ topics: [topic], stopCursor }), 1)).map((r) => r.value);
    expect(await values({ atMessageId: idText(ids[1] as MessageId) })).toEqual(['a']);
    expect(await values({ afterMessageId: idText(ids[1] as MessageId) })).toEqual(['a', 'b']);
    expect(await values({ atPublishTime: boundary })).toEqual(['a', 'b', 'c']);
    expect(await values({ afterEventTime: 1000 })).toEqual(['a', 'b', 'c']);
  });

  it('ends at once on an empty topic with stop cursor latest', async () => {
    const topic = await pulsar.createTopic({ partitions: 2 });
    expect(await runBounded(source({ topics: [topic] }))).toEqual([]);
  });

  it('Exclusive: acks the subscription cumulatively when checkpoints complete', async () => {
    const topic = await pulsar.createTopic({ partitions: 2 });
    await produce(
      topic,
      Array.from({ length: 40 }, (_, i) => `v${i}`),
    );
    using out = CollectSink.create<Read>();
    await Pipeline.from(source({ topics: [topic], subscriptionName: 'acked' }))
      .sinkTo(out.sink)
      .execute({ parallelism: 2, checkpointing: { intervalMs: 100 } });
    expect(out.results()).toHaveLength(40);
    // The bounded job's final checkpoint acked everything: the subscription has no backlog.
    await waitForBacklog(topic, 'acked', 0);
  });

  it('Exclusive: a poll emits at most maxRecordsPerPoll messages of a batch; a savepoint inside one resumes after its last emitted message', async () => {
    const topic = await pulsar.createTopic();
    // One entry of 300 messages: the batch is sent when full, long before its publish delay.
    const producer = await client.createProducer({
      topic,
      batchingMaxMessages: 300,
      batchingMaxPublishDelayMs: 60_000,
    });
    const ids = await Promise.all(
      Array.from({ length: 300 }, (_, i) => producer.send({ payload: encoder.encode(`v${i}`) })),
    );
    await producer.close();
    expect(new Set(ids.map(idText)).size).toBe(1);
    const options = { topics: [topic], subscriptionName: 'in-batch', maxRecordsPerPoll: 7 };

    // The first run holds the write that reaches 21 messages (the third) until the savepoint is
    // requested, so the barrier lands there or a few polls later (within a loop turn or two).
    const first: string[][] = [];
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let reachedHold: () => void = () => {};
    const holding = new Promise<void>((resolve) => {
      reachedHold = resolve;
    });
    const job = Pipeline.from(source(options))
      .sinkTo(
        writesSink(first, () => {
          if (first.length > 3 || first.flat().length < 21) return undefined;
          reachedHold();
          return held;
        }),
      )
      .start({ parallelism: 1, maxBatchesPerYield: 1, checkpointing: { directory: join(dir, 'in-batch') } });
    await holding;
    const savepoint = job.stopWithSavepoint({ directory: join(dir, 'in-batch-savepoints') });
    release();
    const savepointPath = await savepoint;
    for (const write of first) expect(write.length).toBeLessThanOrEqual(7);
    const before = first.flat();
    expect(before.length).toBeGreaterThanOrEqual(21);
    expect(before.length).toBeLessThan(300);

    const second: string[][] = [];
    await Pipeline.from(source(options))
      .sinkTo(writesSink(second, () => undefined))
      .execute({ parallelism: 1, restoreFrom: savepointPath });
    for (const write of second) expect(write.length).toBeLessThanOrEqual(7);
    // Each message once, in order: the second run starts right after the savepoint's message.
    expect([...before, ...second.flat()]).toEqual(Array.from({ length: 300 }, (_, i) => `v${i}`));
  });

  it('reads the topics of a namespace that match a pattern, also one created while it runs', async () => {
    const namespace = await pulsar.createNamespace();
    const first = `persistent://${namespace}/orders-eu`;
    await pulsar.admin('PUT', `/admin/v2/${first.replace('://', '/')}/partitions`, 2);
    await pulsar.admin('PUT', `/admin/v2/persistent/${namespace}/payments`);
    await produce(first, ['eu-1', 'eu-2']);
    await produce(`persistent://${namespace}/payments`, ['not-matched']);
    using out = CollectSink.create<Read>();
    const job = Pipeline.from(
      source({
        topicPattern: `${namespace}/orders-.*`,
        stopCursor: 'never',
        partitionDiscoveryIntervalMs: 300,
      }),
    )
      .sinkTo(out.sink)
      .start({ parallelism: 2 });
    try {
      await out.waitForCount(2, { timeoutMs: 30_000 });
      await produce(`persistent://${namespace}/orders-us`, ['us-1']);
      await out.waitForCount(3, { timeoutMs: 30_000 });
      expect(
        out
          .results()
          .map((r) => r.value)
          .sort(),
      ).toEqual(['eu-1', 'eu-2', 'us-1']);
    } finally {
      await job.cancel();
    }
  });

  it('Shared: every reader consumes every partition; each message once across a savepoint and resume', async () => {
    const topic = await pulsar.createTopic({ partitions: 2 });
    await produce(
      topic,
      Array.from({ length: 50 }, (_, i) => `a${i}`),
    );
    using out = CollectSink.create<Read>({ deliveryGuarantee: 'exactly-once' });
    const options = {
      topics: [topic],
      subscriptionName: 'shared',
      subscriptionType: 'Shared' as const,
      stopCursor: 'never' as const,
      transactionTimeoutMs: 60_000,
    };
    const checkpoints = join(dir, 'shared');
    const first = Pipeline.from(source(options))
      .sinkTo(out.sink)
      .start({ parallelism: 2, checkpointing: { intervalMs: 200, directory: `${checkpoints}/a` } });
    await out.waitForCount(50, { timeoutMs: 30_000 });
    const savepoint = await first.stopWithSavepoint({ directory: `${checkpoints}/savepoints` });
    await produce(
      topic,
      Array.from({ length: 50 }, (_, i) => `b${i}`),
    );
    const second = Pipeline.from(source(options))
      .sinkTo(out.sink)
      .start({
        parallelism: 2,
        restoreFrom: savepoint,
        checkpointing: { intervalMs: 200, directory: `${checkpoints}/b` },
      });
    try {
      await out.waitForCount(100, { timeoutMs: 30_000 });
      // Every ack transaction committed: nothing can be redelivered (and read twice) any more.
      await waitForBacklog(topic, 'shared', 0);
    } finally {
      await second.cancel();
    }
    const values = out.results().map((r) => r.value);
    expect(values).toHaveLength(100);
    expect(new Set(values).size).toBe(100);
  });
});
