import { hasErrorCode } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import type { KafkaJsCluster } from '../client/kafkajs-internals.js';
import { KafkaErrorCodes } from '../kafka-error-codes.js';
import { FakeEnumeratorContext } from '../testing-fixtures/fake-enumerator-context.js';
import type { KafkaPartitionSplit } from './kafka-partition-split.js';
import { KafkaSourceEnumerator, splitOwner } from './kafka-source-enumerator.js';
import { KafkaSourceOptions, type KafkaSourceOptionsInput } from './kafka-source-options.js';

/** A fake cluster: topics with partition counts and per-partition log ranges [earliest, latest). */
function fakeCluster(topics: Record<string, number>, range = { earliest: 5, latest: 50 }) {
  const cluster = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    addMultipleTargetTopics: async () => undefined,
    refreshMetadata: async () => undefined,
    metadata: async (request?: { topics?: string[] }) => {
      const names = request?.topics ?? Object.keys(topics);
      for (const t of names)
        if (!(t in topics)) throw Object.assign(new Error('unknown'), { type: 'UNKNOWN_TOPIC_OR_PARTITION' });
      return {
        topicMetadata: names.map((topic) => ({
          topic,
          partitionMetadata: Array.from({ length: topics[topic] ?? 0 }, (_, i) => ({
            partitionId: i,
            leader: 1,
            partitionErrorCode: 0,
          })),
        })),
      };
    },
    fetchTopicsOffset: async (
      request: {
        topic: string;
        partitions: { partition: number }[];
        fromBeginning?: boolean;
        fromTimestamp?: number;
      }[],
    ) =>
      request.map(({ topic, partitions, fromBeginning, fromTimestamp }) => ({
        topic,
        partitions: partitions.map(({ partition }) => ({
          partition,
          offset: String(
            fromTimestamp !== undefined
              ? fromTimestamp > 1000
                ? -1
                : 20 + partition
              : fromBeginning
                ? range.earliest
                : range.latest,
          ),
        })),
      })),
    findGroupCoordinator: async () => ({
      offsetFetch: async ({
        topics: ts,
      }: {
        topics: { topic: string; partitions: { partition: number }[] }[];
      }) => ({
        responses: ts.map(({ topic, partitions }) => ({
          topic,
          partitions: partitions.map(({ partition }) => ({
            partition,
            offset: partition === 0 ? '42' : '-1',
          })),
        })),
      }),
    }),
  };
  return cluster as unknown as KafkaJsCluster & { metadata: typeof cluster.metadata };
}

function enumerator(
  options: Partial<KafkaSourceOptionsInput>,
  cluster: KafkaJsCluster,
  parallelism = 2,
  restored?: ConstructorParameters<typeof KafkaSourceEnumerator>[4],
) {
  const resolved = KafkaSourceOptions.parse({ brokers: ['b:1'], ...options });
  const ctx = new FakeEnumeratorContext<KafkaPartitionSplit>(parallelism);
  const e = new KafkaSourceEnumerator(ctx, resolved, cluster, resolved.stoppingOffsets !== 'never', restored);
  return { ctx, e };
}

describe('splitOwner', () => {
  it('matches Flink’s KafkaSourceEnumerator.getSplitOwner', () => {
    // Java: ((topic.hashCode() * 31) & 0x7FFFFFFF) % n, then + partition; "orders".hashCode() = -1008770331.
    expect([0, 1, 2, 3].map((p) => splitOwner('orders', p, 4))).toEqual([3, 0, 1, 2]);
    expect([0, 1, 2, 3].map((p) => splitOwner('orders', p, 3))).toEqual([0, 1, 2, 0]);
    expect([0, 1, 2, 3].map((p) => splitOwner('topic-a', p, 4))).toEqual([1, 2, 3, 0]);
  });
});

describe('KafkaSourceEnumerator', () => {
  it('assigns each partition to its owner once that reader registers, with resolved start offsets', async () => {
    const { ctx, e } = enumerator({ topics: ['orders'] }, fakeCluster({ orders: 4 }));
    ctx.register(0);
    e.start();
    const unassigned = () =>
      ctx.registry
        .metrics()
        .find((m) => m.name === 'unassignedSplits')
        ?.read();
    // Before the first discovery the count is unknown, not 0.
    expect(unassigned()).toBeUndefined();
    await ctx.runAsyncTasks();
    // Owners of orders-0..3 at parallelism 2: [1, 0, 1, 0]; reader 1 is not registered yet.
    expect(ctx.splitsOf(0)).toEqual(['orders-1', 'orders-3']);
    expect(ctx.assigned.get(0)?.[0]?.startingOffset).toBe(5);
    expect(
      ctx.registry
        .metrics()
        .find((m) => m.name === 'unassignedSplits')
        ?.read(),
    ).toBe(2);
    ctx.register(1);
    e.addReader(1);
    expect(ctx.splitsOf(1)).toEqual(['orders-0', 'orders-2']);
    expect(ctx.noMoreSplits).toEqual([]);
  });

  it('bounded: resolves stop offsets and signals no more splits once a reader has all of its splits', async () => {
    const { ctx, e } = enumerator(
      { topics: ['orders'], stoppingOffsets: 'latest' },
      fakeCluster({ orders: 2 }),
    );
    ctx.register(0);
    e.start();
    await ctx.runAsyncTasks();
    expect(ctx.pendingAsyncTasks).toBe(0);
    expect(ctx.assigned.get(0)?.[0]).toMatchObject({ startingOffset: 5, stoppingOffset: 50 });
    expect(ctx.noMoreSplits).toEqual([0]);
    ctx.register(1);
    e.addReader(1);
    expect(ctx.noMoreSplits).toEqual([0, 1]);
  });

  it('committed start offsets fall back to the reset strategy; timestamp starts fall back to the end', async () => {
    const committed = enumerator(
      { topics: ['t'], groupId: 'g', startingOffsets: 'committed', offsetResetStrategy: 'latest' },
      fakeCluster({ t: 2 }),
      1,
    );
    committed.ctx.register(0);
    committed.e.start();
    await committed.ctx.runAsyncTasks();
    expect(committed.ctx.assigned.get(0)?.map((s) => s.startingOffset)).toEqual([42, 50]);
    const byTime = enumerator(
      { topics: ['t'], startingOffsets: { timestamp: 5000 } },
      fakeCluster({ t: 1 }),
      1,
    );
    byTime.ctx.register(0);
    byTime.e.start();
    await byTime.ctx.runAsyncTasks();
    expect(byTime.ctx.assigned.get(0)?.[0]?.startingOffset).toBe(50);
  });

  it('fails the job when a committed offset is missing and the reset strategy is none', async () => {
    const { ctx, e } = enumerator(
      { topics: ['t'], groupId: 'g', startingOffsets: 'committed', offsetResetStrategy: 'none' },
      fakeCluster({ t: 2 }),
      1,
    );
    e.start();
    await ctx.runAsyncTasks();
    expect(hasErrorCode(ctx.failures[0], KafkaErrorCodes.NO_OFFSET)).toBe(true);
    expect((ctx.failures[0] as { context: Record<string, unknown> }).context).toMatchObject({
      topic: 't',
      partition: 1,
    });
  });

  it('fails the job on an unknown topic at the first discovery', async () => {
    const { ctx, e } = enumerator({ topics: ['missing'] }, fakeCluster({}), 1);
    e.start();
    await ctx.runAsyncTasks();
    expect(hasErrorCode(ctx.failures[0], KafkaErrorCodes.UNKNOWN_TOPIC)).toBe(true);
  });

  it('periodic discovery adds new partitions and topics, starting them at the earliest offset', async () => {
    const topics: Record<string, number> = { 'logs-a': 1 };
    const { ctx, e } = enumerator(
      { topicPattern: '^logs-', startingOffsets: 'latest', partitionDiscoveryIntervalMs: 1000 },
      fakeCluster(topics),
      1,
    );
    ctx.register(0);
    e.start();
    await ctx.runAsyncTasks();
    expect(ctx.assigned.get(0)?.map((s) => [s.splitId, s.startingOffset])).toEqual([['logs-a-0', 50]]);
    topics['logs-a'] = 2;
    topics['logs-b'] = 1;
    topics.other = 1;
    await ctx.runAsyncTasks();
    expect(ctx.assigned.get(0)?.map((s) => [s.splitId, s.startingOffset])).toEqual([
      ['logs-a-0', 50],
      ['logs-a-1', 5],
      ['logs-b-0', 5],
    ]);
  });

  it('snapshots assigned and pending partitions and restores without reassigning', async () => {
    const cluster = fakeCluster({ orders: 4 });
    const first = enumerator({ topics: ['orders'], partitionDiscoveryIntervalMs: 1000 }, cluster);
    first.ctx.register(0);
    first.e.start();
    await first.ctx.runAsyncTasks();
    const state = first.e.snapshotState();
    expect([...state.assignedPartitions].sort()).toEqual(['orders-1', 'orders-3']);
    expect(state.pendingSplits.map((s) => s.splitId).sort()).toEqual(['orders-0', 'orders-2']);
    expect(state.initialDiscoveryFinished).toBe(true);

    const restored = enumerator(
      { topics: ['orders'], partitionDiscoveryIntervalMs: 1000 },
      cluster,
      2,
      state,
    );
    restored.ctx.register(0);
    restored.ctx.register(1);
    restored.e.start();
    restored.e.addReader(1);
    await restored.ctx.runAsyncTasks();
    expect(restored.ctx.splitsOf(0)).toEqual([]);
    expect(restored.ctx.splitsOf(1)).toEqual(['orders-0', 'orders-2']);
  });

  it('takes splits back from a failed reader with their positions', async () => {
    const { ctx, e } = enumerator({ topics: ['orders'] }, fakeCluster({ orders: 2 }), 1);
    ctx.register(0);
    e.start();
    await ctx.runAsyncTasks();
    const back = { ...(ctx.assigned.get(0)?.[0] as KafkaPartitionSplit), startingOffset: 33 };
    ctx.assigned.clear();
    e.addSplitsBack([back]);
    expect(ctx.assigned.get(0)).toEqual([back]);
  });
});
