import type { KinesisClient, ListShardsCommand, Shard } from '@aws-sdk/client-kinesis';
import { FakeEnumeratorContext } from '@tributary/core/testing';
import { describe, expect, it } from 'vitest';
import type { KinesisShardSplit } from './kinesis-shard-split.js';
import { KinesisSourceEnumerator } from './kinesis-source-enumerator.js';
import { SHARDS_FINISHED_ACK_EVENT, SHARDS_FINISHED_EVENT } from './kinesis-source-events.js';
import { KinesisSourceOptions, type KinesisSourceOptionsInput } from './kinesis-source-options.js';

const MAX = (1n << 128n) - 1n;

function shard(id: number, from: bigint, to: bigint, parents: number[] = []): Shard {
  const name = (n: number) => `shardId-${String(n).padStart(12, '0')}`;
  return {
    ShardId: name(id),
    ...(parents[0] === undefined ? {} : { ParentShardId: name(parents[0]) }),
    ...(parents[1] === undefined ? {} : { AdjacentParentShardId: name(parents[1]) }),
    HashKeyRange: { StartingHashKey: String(from), EndingHashKey: String(to) },
    SequenceNumberRange: { StartingSequenceNumber: String(id) },
  };
}

/** A client whose ListShards answers the current `listing`, two shards per page. */
function listingClient(listing: { shards: Shard[] }) {
  const calls: unknown[] = [];
  const client = {
    async send(command: ListShardsCommand) {
      calls.push(command.input);
      const start = command.input.NextToken === undefined ? 0 : Number(command.input.NextToken);
      const page = listing.shards.slice(start, start + 2);
      const next = start + 2 < listing.shards.length ? String(start + 2) : undefined;
      return { Shards: page, ...(next === undefined ? {} : { NextToken: next }) };
    },
    destroy() {},
  } as unknown as KinesisClient;
  return { client, calls };
}

function setup(
  listing: { shards: Shard[] },
  parallelism: number,
  options: Partial<KinesisSourceOptionsInput> = {},
) {
  const ctx = new FakeEnumeratorContext<KinesisShardSplit>(parallelism);
  for (let i = 0; i < parallelism; i++) ctx.register(i);
  const { client, calls } = listingClient(listing);
  const resolved = KinesisSourceOptions.parse({
    streamName: 's',
    startingPosition: 'trim-horizon',
    ...options,
  });
  const enumerator = new KinesisSourceEnumerator(
    ctx,
    resolved,
    client,
    { StreamName: 's' },
    resolved.stoppingPosition !== 'never',
    undefined,
  );
  return { ctx, enumerator, calls };
}

const finish = (enumerator: KinesisSourceEnumerator, subtask: number, ...ids: number[]) =>
  enumerator.handleSourceEvent(subtask, {
    type: SHARDS_FINISHED_EVENT,
    shardIds: ids.map((n) => `shardId-${String(n).padStart(12, '0')}`),
  });

describe('KinesisSourceEnumerator', () => {
  it('follows ListShards pages and spreads shards uniformly by hash range', async () => {
    const quarter = (MAX + 1n) / 4n;
    const listing = {
      shards: [0, 1, 2, 3].map((i) => shard(i, quarter * BigInt(i), quarter * BigInt(i + 1) - 1n)),
    };
    const { ctx, enumerator, calls } = setup(listing, 2);
    enumerator.start();
    await ctx.runAsyncTasks();
    expect(calls).toEqual([{ StreamName: 's' }, { NextToken: '2' }]);
    expect(ctx.splitsOf(0)).toEqual(['shardId-000000000000', 'shardId-000000000001']);
    expect(ctx.splitsOf(1)).toEqual(['shardId-000000000002', 'shardId-000000000003']);
  });

  it('assigns a child only after all its parents were read to their end (split, then merge)', async () => {
    const half = (MAX + 1n) / 2n;
    // 0 split into 2 and 3; 2 and 3 merged into 4; 1 is untouched.
    const listing = {
      shards: [
        shard(0, 0n, half - 1n),
        shard(1, half, MAX),
        shard(2, 0n, half / 2n - 1n, [0]),
        shard(3, half / 2n, half - 1n, [0]),
        shard(4, 0n, half - 1n, [2, 3]),
      ],
    };
    const { ctx, enumerator } = setup(listing, 1);
    enumerator.start();
    await ctx.runAsyncTasks();
    expect(ctx.splitsOf(0)).toEqual(['shardId-000000000000', 'shardId-000000000001']);
    expect(ctx.allAssigned().every((s) => s.position.type === 'trim-horizon')).toBe(true);

    finish(enumerator, 0, 0);
    expect(ctx.events.at(-1)).toEqual({
      subtask: 0,
      event: { type: SHARDS_FINISHED_ACK_EVENT, shardIds: ['shardId-000000000000'] },
    });
    expect(ctx.splitsOf(0).slice(2)).toEqual(['shardId-000000000002', 'shardId-000000000003']);
    finish(enumerator, 0, 2);
    expect(ctx.splitsOf(0)).toHaveLength(4); // 4 still waits for 3
    finish(enumerator, 0, 3);
    expect(ctx.splitsOf(0).at(-1)).toBe('shardId-000000000004');
    expect(enumerator.snapshotState().finishedShards).toEqual([
      'shardId-000000000000',
      'shardId-000000000002',
      'shardId-000000000003',
    ]);

    // Shards trimmed by retention leave the finished set at the next listing.
    listing.shards = listing.shards.filter(
      (s) => !['shardId-000000000000', 'shardId-000000000002'].includes(s.ShardId as string),
    );
    await ctx.runAsyncTasks();
    expect(enumerator.snapshotState().finishedShards).toEqual(['shardId-000000000003']);
  });

  it('pins latest to the start time, and a bounded source ends once every shard ended', async () => {
    const listing = { shards: [shard(0, 0n, MAX)] };
    const before = Date.now();
    const { ctx, enumerator } = setup(listing, 2, { startingPosition: 'latest', stoppingPosition: 'latest' });
    enumerator.start();
    await ctx.runAsyncTasks();
    const [split] = ctx.allAssigned();
    expect(split?.position.type).toBe('at-timestamp');
    const startedAt = enumerator.snapshotState().startedAt;
    expect(startedAt).toBeGreaterThanOrEqual(before);
    expect(split?.stopAtTimestamp).toBe(startedAt);
    expect(enumerator.endPosition()).toEqual({ stream: 's', stopAtTimestamp: startedAt });
    expect(ctx.noMoreSplits).toEqual([]);
    finish(enumerator, 1, 0);
    await ctx.runAsyncTasks();
    expect(ctx.noMoreSplits.sort()).toEqual([0, 1]);
  });
});
