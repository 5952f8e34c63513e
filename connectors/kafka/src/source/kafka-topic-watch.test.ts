import { silentLogger } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import type { KafkaJsCluster } from '../client/kafkajs-internals.js';
import type { TopicDescription } from '../client/topic-metadata.js';
import { KafkaTopicWatch } from './kafka-topic-watch.js';

/**
 * A cluster whose one broker answers Metadata v12 with `topics` (changed between calls by the
 * test), through the same broker-pool path the source uses; `down` makes the request fail.
 */
function clusterWith(topics: Map<string, TopicDescription>, state: { down: boolean }): KafkaJsCluster {
  const broker = {
    versions: { 3: { minVersion: 0, maxVersion: 12 } },
    connectionPool: {
      send: async ({ response }: { response: { parse(d: unknown): Promise<unknown> } }) => {
        if (state.down)
          throw Object.assign(new Error('Connection refused'), { name: 'KafkaJSConnectionError' });
        return response.parse(
          [...topics].map(([name, t]) => ({
            errorCode: t.exists ? 0 : 3,
            name,
            topicId: Buffer.from(t.exists && t.topicId !== undefined ? t.topicId : '0'.repeat(32), 'hex'),
            partitions: t.exists ? t.partitions : 0,
          })),
        );
      },
    },
  };
  return { brokerPool: { findConnectedBroker: async () => broker } } as unknown as KafkaJsCluster;
}

const ID_A = 'aa'.repeat(16);
const ID_B = 'bb'.repeat(16);

describe('KafkaTopicWatch', () => {
  it('learns ids, and tells deleted topics, partitions beyond the count and recreated topics apart', async () => {
    const topics = new Map<string, TopicDescription>([
      ['orders', { exists: true, topicId: ID_A, partitions: 2 }],
    ]);
    const state = { down: false };
    const watch = new KafkaTopicWatch(clusterWith(topics, state), silentLogger);
    const kinds = async (parts: { topic: string; partition: number; topicId?: string }[]) =>
      [...(await watch.fates(parts)).values()].map((f) => f.kind);

    expect(await kinds([{ topic: 'orders', partition: 0 }])).toEqual(['present']);
    expect(watch.idOf('orders')).toBe(ID_A);
    // Partition 5 of a 2-partition topic, and a topic the broker does not know.
    topics.set('gone', { exists: false });
    expect(
      await kinds([
        { topic: 'orders', partition: 5 },
        { topic: 'gone', partition: 0 },
      ]),
    ).toEqual(['deleted', 'deleted']);
    // Same name, new id: recreated — for splits that recorded the old id and for those that did not.
    topics.set('orders', { exists: true, topicId: ID_B, partitions: 2 });
    const fates = await watch.fates([
      { topic: 'orders', partition: 0, topicId: ID_A },
      { topic: 'orders', partition: 1 },
    ]);
    expect([...fates.values()]).toEqual([
      { kind: 'recreated', previousId: ID_A, currentId: ID_B },
      { kind: 'recreated', previousId: ID_A, currentId: ID_B },
    ]);
    // A split that recorded the new id is fine.
    expect(await kinds([{ topic: 'orders', partition: 0, topicId: ID_B }])).toEqual(['present']);
  });

  it('answers present when the check itself fails (the fetch retries decide)', async () => {
    const watch = new KafkaTopicWatch(clusterWith(new Map(), { down: true }), silentLogger);
    expect([...(await watch.fates([{ topic: 'orders', partition: 0 }])).values()]).toEqual([
      { kind: 'present' },
    ]);
  });
});
