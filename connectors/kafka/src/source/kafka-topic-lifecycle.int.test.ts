/**
 * Deleted and recreated topics under the source's split reader, against the real broker: what a
 * running reader and a reader restored from a checkpoint do (see KafkaTopicWatch).
 */
import { hasErrorCode, silentLogger } from '@tributary/core';
import { type KafkaService, useService, waitUntil } from '@tributary/e2e';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaClient } from '../client/kafka-client.js';
import { createCluster } from '../client/kafkajs-internals.js';
import { KafkaErrorCodes } from '../kafka-error-codes.js';
import { exactInput } from '../testing-fixtures/exact-input.js';
import { type KafkaPartitionSplit, kafkaPartitionSplit } from './kafka-partition-split.js';
import { KafkaPartitionSplitReader } from './kafka-partition-split-reader.js';
import { KafkaSourceOptions, type KafkaSourceOptionsInput } from './kafka-source-options.js';
import type { KafkaFetchReporting } from './kafka-split-fates.js';

describe('KafkaSource and deleted or recreated topics (real broker)', () => {
  let kafka: KafkaService;
  const readers: KafkaPartitionSplitReader[] = [];
  beforeAll(async () => {
    kafka = await useService('kafka');
  });
  afterEach(async () => {
    await Promise.all(readers.splice(0).map((r) => r.close()));
  });
  afterAll(async () => {
    await kafka?.close();
  });

  function splitReader(options: Partial<KafkaSourceOptionsInput> = {}, reporting: KafkaFetchReporting = {}) {
    const resolved = KafkaSourceOptions.parse({
      brokers: kafka.brokers,
      topics: ['unused'],
      fetchMaxWaitMs: 100,
      initialRetryTimeMs: 50,
      maxRetryTimeMs: 200,
      ...options,
    });
    const cluster = createCluster(createKafkaClient(resolved, silentLogger), {
      metadataMaxAgeMs: resolved.metadataMaxAgeMs,
    });
    const reader = new KafkaPartitionSplitReader(
      cluster,
      resolved,
      new Map(),
      silentLogger,
      undefined,
      reporting,
    );
    readers.push(reader);
    return reader;
  }

  async function produce(topic: string, values: readonly string[]): Promise<void> {
    const producer = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING }).producer(exactInput);
    await producer.connect();
    await producer.send({ topic, messages: values.map((value) => ({ partition: 0, value })) });
    await producer.disconnect();
  }

  /** Fetches until `done` holds (or a fetch fails): values by split id and finished splits. */
  async function fetchUntil(
    reader: KafkaPartitionSplitReader,
    done: (seen: { values: Map<string, string[]>; finished: Set<string> }) => boolean,
  ): Promise<{ values: Map<string, string[]>; finished: Set<string> }> {
    const seen = { values: new Map<string, string[]>(), finished: new Set<string>() };
    const deadline = Date.now() + 60_000;
    while (!done(seen)) {
      if (Date.now() > deadline) throw new Error(`not done: ${JSON.stringify([...seen.values])}`);
      const fetched = await reader.fetch();
      for (const [id, records] of fetched.recordsBySplit) {
        const list = seen.values.get(id) ?? [];
        list.push(...records.flatMap((b) => b.records.map((m) => m.value?.toString() ?? '')));
        seen.values.set(id, list);
      }
      for (const id of fetched.finishedSplits) seen.finished.add(id);
    }
    return seen;
  }

  async function fetchError(reader: KafkaPartitionSplitReader): Promise<unknown> {
    return fetchUntil(reader, () => false).then(
      () => undefined,
      (error: unknown) => error,
    );
  }

  /** Deletes `topic` and creates it again under the same name (deletion completes asynchronously). */
  async function recreate(topic: string): Promise<void> {
    await kafka.deleteTopic(topic);
    const admin = await kafka.adminClient();
    await waitUntil(
      async () => {
        // false: the old topic is not gone yet (kafkajs answers false for an existing topic).
        const created = await admin.createTopics({
          topics: [{ topic, numPartitions: 1 }],
          waitForLeaders: true,
        });
        if (!created) throw new Error(`${topic} still exists`);
      },
      { what: `topic ${topic} to be created again`, timeoutMs: 60_000, initialIntervalMs: 200 },
    );
  }

  it('a running reader fails with TRIB_KAFKA_PARTITION_DELETED once its topic is deleted, instead of retrying forever', async () => {
    const topic = await kafka.createTopic({ prefix: 'deleted' });
    await produce(topic, ['a', 'b', 'c']);
    const reader = splitReader();
    const split = kafkaPartitionSplit(topic, 0, 0);
    await reader.handleSplitsChanges({ type: 'add', splits: [split] });
    await fetchUntil(reader, (s) => (s.values.get(split.splitId)?.length ?? 0) === 3);

    await kafka.deleteTopic(topic);
    const error = await fetchError(reader);
    expect(hasErrorCode(error, KafkaErrorCodes.PARTITION_DELETED), String(error)).toBe(true);
    expect(error).toMatchObject({ retriable: false, context: { topic, partition: 0, offset: 3 } });
    expect((error as Error).message).toMatch(/onPartitionDeleted/);
  });

  it('with onPartitionDeleted "drop", the deleted partition’s split finishes and the other topic is still read', async () => {
    const gone = await kafka.createTopic({ prefix: 'dropped' });
    const kept = await kafka.createTopic({ prefix: 'kept' });
    await produce(gone, ['g0']);
    await produce(kept, ['k0']);
    const dropped: string[] = [];
    let fetchErrors = 0;
    const reader = splitReader(
      { onPartitionDeleted: 'drop' },
      { partitionDropped: (id) => dropped.push(id), fetchError: () => fetchErrors++ },
    );
    const splits = [kafkaPartitionSplit(gone, 0, 0), kafkaPartitionSplit(kept, 0, 0)];
    await reader.handleSplitsChanges({ type: 'add', splits });
    const [goneSplit, keptSplit] = splits as [KafkaPartitionSplit, KafkaPartitionSplit];
    await fetchUntil(reader, (s) => s.values.size === 2);

    await kafka.deleteTopic(gone);
    await fetchUntil(reader, (s) => s.finished.has(goneSplit.splitId));
    expect(dropped).toEqual([goneSplit.splitId]);
    // The leader's failures while the topic was gone were counted (fetchErrors), then it recovered.
    expect(fetchErrors).toBeGreaterThanOrEqual(1);
    await produce(kept, ['k1', 'k2']);
    const after = await fetchUntil(reader, (s) => (s.values.get(keptSplit.splitId)?.length ?? 0) === 2);
    expect(after.values.get(keptSplit.splitId)).toEqual(['k1', 'k2']);
  });

  it('a split restored after its topic was recreated fails with TRIB_KAFKA_TOPIC_RECREATED, or reads the new topic from its start with "earliest"', async () => {
    const topic = await kafka.createTopic({ prefix: 'recreated' });
    await produce(topic, ['old-0', 'old-1', 'old-2', 'old-3']);
    // The first reader learns the topic id, as the enumerator records it in new splits.
    let topicId: string | undefined;
    const first = splitReader({}, { topicIdLearned: (_id, learned) => (topicId = learned) });
    await first.handleSplitsChanges({ type: 'add', splits: [kafkaPartitionSplit(topic, 0, 0)] });
    expect(topicId).toMatch(/^[0-9a-f]{32}$/);

    await recreate(topic);
    await produce(
      topic,
      Array.from({ length: 8 }, (_, i) => `new-${i}`),
    );
    // The checkpointed split: offset 2 of the old topic. Offset 2 exists in the new one too.
    const restored = kafkaPartitionSplit(topic, 0, 2, undefined, topicId);

    const failing = splitReader();
    const error = await failing.handleSplitsChanges({ type: 'add', splits: [restored] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(hasErrorCode(error, KafkaErrorCodes.TOPIC_RECREATED), String(error)).toBe(true);
    expect(error).toMatchObject({ retriable: false, context: { topic, previousTopicId: topicId } });

    const moved: { topicId: string; position: number }[] = [];
    const reader = splitReader(
      { onTopicRecreated: 'earliest' },
      { topicRecreated: (_id, newId, position) => moved.push({ topicId: newId, position }) },
    );
    await reader.handleSplitsChanges({ type: 'add', splits: [restored] });
    const read = await fetchUntil(reader, (s) => (s.values.get(restored.splitId)?.length ?? 0) >= 8);
    expect(read.values.get(restored.splitId)).toEqual(Array.from({ length: 8 }, (_, i) => `new-${i}`));
    expect(moved).toHaveLength(1);
    expect(moved[0]?.position).toBe(0);
    expect(moved[0]?.topicId).not.toBe(topicId);
    await kafka.deleteTopic(topic);
  });
});
