import { hasErrorCode } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import type { KafkaJsCluster } from '../client/kafkajs-internals.js';
import { KafkaErrorCodes } from '../kafka-error-codes.js';
import { batchContext } from '../testing-fixtures/kafka-test-contexts.js';
import { KafkaMessageConverter } from './kafka-message-converter.js';
import { type KafkaPartitioner, kafkaRecordSerializer } from './kafka-record-serializer.js';

function fakeCluster(partitions: Record<string, number>) {
  const targeted: string[][] = [];
  const cluster = {
    async addMultipleTargetTopics(topics: string[]) {
      targeted.push(topics);
      for (const t of topics)
        if (!(t in partitions))
          throw Object.assign(new Error('unknown'), { type: 'UNKNOWN_TOPIC_OR_PARTITION' });
    },
    findTopicPartitionMetadata(topic: string) {
      return Array.from({ length: partitions[topic] ?? 0 }, (_, i) => ({
        partitionId: i,
        leader: 1,
        partitionErrorCode: 0,
      }));
    },
  } as unknown as KafkaJsCluster;
  return { cluster, targeted };
}

interface Order {
  readonly id: string;
  readonly region: string;
}

describe('KafkaMessageConverter', () => {
  // Failed before with TRIB_KAFKA_UNKNOWN_TOPIC: kafkajs's metadata refresh gives up on a
  // connection reset (the broker it asked was SIGKILLed), and the job failed on a topic that exists.
  it('asks for metadata again when the broker it asked dies, instead of calling the topic unknown', async () => {
    const { cluster, targeted } = fakeCluster({ orders: 2 });
    const add = cluster.addMultipleTargetTopics.bind(cluster);
    let resets = 1;
    let refreshes = 0;
    Object.assign(cluster, {
      async addMultipleTargetTopics(topics: string[]) {
        if (resets-- > 0)
          throw Object.assign(new Error('Connection error: read ECONNRESET'), {
            name: 'KafkaJSConnectionError',
          });
        return add(topics);
      },
      async refreshMetadata() {
        refreshes++;
      },
    });
    const converter = new KafkaMessageConverter<string>(
      kafkaRecordSerializer<string>({
        topic: 'orders',
        value: (v) => v,
        partitioner: (_r, _m, count) => count - 1,
      }),
      { subtaskId: 0, parallelism: 1 },
    );
    const converted = await converter.convert(['a'], batchContext(), cluster);
    expect(converted.topicMessages.get('orders')?.[0]?.partition).toBe(1);
    expect(targeted).toEqual([['orders']]);
    expect(refreshes).toBe(1);
  });

  it('groups by the selected topic and maps key, value, headers and event time', async () => {
    const converter = new KafkaMessageConverter<Order>(
      kafkaRecordSerializer<Order>({
        topic: (o) => `orders-${o.region}`,
        key: (o) => o.id,
        value: { serialize: (o) => new TextEncoder().encode(JSON.stringify(o)) },
        headers: (o) => ({ region: o.region, trace: ['a', new Uint8Array([1, 2])] }),
      }),
      { subtaskId: 0, parallelism: 1 },
    );
    const { cluster } = fakeCluster({});
    const batch = await converter.convert(
      [
        { id: '1', region: 'eu' },
        { id: '2', region: 'us' },
        { id: '3', region: 'eu' },
      ],
      batchContext([1000, undefined, 3000]),
      cluster,
    );
    expect([...batch.topicMessages.keys()]).toEqual(['orders-eu', 'orders-us']);
    const eu = batch.topicMessages.get('orders-eu') ?? [];
    expect(eu.map((m) => m.key?.toString())).toEqual(['1', '3']);
    expect(eu.map((m) => m.timestamp)).toEqual(['1000', '3000']);
    expect(batch.topicMessages.get('orders-us')?.[0]?.timestamp).toBeUndefined();
    expect(JSON.parse(eu[0]?.value?.toString() ?? '')).toEqual({ id: '1', region: 'eu' });
    expect(eu[0]?.headers?.region).toEqual(Buffer.from('eu'));
    expect(eu[0]?.headers?.trace).toEqual([Buffer.from('a'), Buffer.from([1, 2])]);
    expect(batch.count).toBe(3);
    expect(batch.bytes).toBeGreaterThan(0);
  });

  it('keeps null values as tombstones and omits null keys', async () => {
    const converter = new KafkaMessageConverter<string>(
      kafkaRecordSerializer<string>({ topic: 't', key: () => null, value: () => null }),
      { subtaskId: 0, parallelism: 1 },
    );
    const batch = await converter.convert(['x'], batchContext(), fakeCluster({}).cluster);
    const [m] = batch.topicMessages.get('t') ?? [];
    expect(m?.value).toBeNull();
    expect(m && 'key' in m).toBe(false);
  });

  it('leaves the default partitioner to kafkajs (murmur2) and never asks for metadata', async () => {
    const converter = new KafkaMessageConverter<string>(
      kafkaRecordSerializer<string>({ topic: 't', key: (v) => v, value: (v) => v }),
      { subtaskId: 0, parallelism: 1 },
    );
    const fake = fakeCluster({ t: 4 });
    const batch = await converter.convert(['a', 'b'], batchContext(), fake.cluster);
    expect(batch.topicMessages.get('t')?.every((m) => m.partition === undefined)).toBe(true);
    expect(fake.targeted).toEqual([]);
  });

  it.each<[KafkaPartitioner<string>, number[]]>([
    ['fixed', [2, 2, 2, 2]],
    ['round-robin', [0, 1, 2, 0]],
    [(record, _m, count) => Number(record) % count, [1, 2, 0, 1]],
  ])('applies partitioner %s with the topic partition count', async (partitioner, expected) => {
    const converter = new KafkaMessageConverter<string>(
      kafkaRecordSerializer<string>({ topic: 't', value: (v) => v, partitioner }),
      { subtaskId: 5, parallelism: 6 },
    );
    const fake = fakeCluster({ t: 3 });
    const batch = await converter.convert(['1', '2', '3', '4'], batchContext(), fake.cluster);
    expect(batch.topicMessages.get('t')?.map((m) => m.partition)).toEqual(expected);
    // Metadata is requested once per new topic, not per batch.
    await converter.convert(['1'], batchContext(), fake.cluster);
    expect(fake.targeted).toEqual([['t']]);
  });

  it('gives the partitioner each record’s own topic partition count when topics alternate in a batch', async () => {
    const converter = new KafkaMessageConverter<string>(
      kafkaRecordSerializer<string>({
        topic: (v) => v.slice(0, 1),
        value: (v) => v,
        partitioner: (_r, _m, count) => count - 1,
      }),
      { subtaskId: 0, parallelism: 1 },
    );
    const fake = fakeCluster({ a: 2, b: 5 });
    const batch = await converter.convert(['a1', 'a2', 'b1', 'a3', 'b2', 'b3'], batchContext(), fake.cluster);
    expect(batch.topicMessages.get('a')?.map((m) => [m.value?.toString(), m.partition])).toEqual([
      ['a1', 1],
      ['a2', 1],
      ['a3', 1],
    ]);
    expect(batch.topicMessages.get('b')?.map((m) => [m.value?.toString(), m.partition])).toEqual([
      ['b1', 4],
      ['b2', 4],
      ['b3', 4],
    ]);
    expect(fake.targeted).toEqual([['a', 'b']]);
  });

  it('an explicit partition wins over the partitioner', async () => {
    const converter = new KafkaMessageConverter<number>(
      { serialize: (v) => ({ topic: 't', value: String(v), partition: v }), partitioner: 'fixed' },
      { subtaskId: 0, parallelism: 1 },
    );
    const batch = await converter.convert([2, 0], batchContext(), fakeCluster({ t: 3 }).cluster);
    expect(batch.topicMessages.get('t')?.map((m) => m.partition)).toEqual([2, 0]);
  });

  it('names the failing record when the serializer throws', async () => {
    const converter = new KafkaMessageConverter<string>(
      kafkaRecordSerializer<string>({
        topic: 't',
        value: (v) => {
          if (v === 'bad') throw new Error('cannot encode');
          return v;
        },
      }),
      { subtaskId: 0, parallelism: 1 },
    );
    const error = await converter
      .convert(['ok', 'bad'], batchContext(), fakeCluster({}).cluster)
      .catch((e: unknown) => e);
    expect(hasErrorCode(error, KafkaErrorCodes.SERIALIZATION_FAILED)).toBe(true);
    expect((error as { context: { index: number } }).context.index).toBe(1);
  });

  it('reports an unknown topic with its name when a partitioner needs its metadata', async () => {
    const converter = new KafkaMessageConverter<string>(
      kafkaRecordSerializer<string>({ topic: 'missing', value: (v) => v, partitioner: 'fixed' }),
      { subtaskId: 0, parallelism: 1 },
    );
    const error = await converter
      .convert(['x'], batchContext(), fakeCluster({}).cluster)
      .catch((e: unknown) => e);
    expect(hasErrorCode(error, KafkaErrorCodes.UNKNOWN_TOPIC)).toBe(true);
    expect((error as { context: { topics: string[] } }).context.topics).toEqual(['missing']);
  });

  it('uses producer time or a custom timestamp when asked', async () => {
    const producerTime = new KafkaMessageConverter<string>(
      kafkaRecordSerializer<string>({ topic: 't', value: (v) => v, timestamp: 'producer-time' }),
      { subtaskId: 0, parallelism: 1 },
    );
    const custom = new KafkaMessageConverter<string>(
      kafkaRecordSerializer<string>({
        topic: 't',
        value: (v) => v,
        timestamp: (v, ts) => Number(v) + (ts ?? 0),
      }),
      { subtaskId: 0, parallelism: 1 },
    );
    const cluster = fakeCluster({}).cluster;
    expect(
      (await producerTime.convert(['1'], batchContext([5]), cluster)).topicMessages.get('t')?.[0]?.timestamp,
    ).toBeUndefined();
    expect(
      (await custom.convert(['1'], batchContext([5]), cluster)).topicMessages.get('t')?.[0]?.timestamp,
    ).toBe('6');
  });
});
