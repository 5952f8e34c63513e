import type { Shard } from '@aws-sdk/client-kinesis';

/** What the enumerator keeps of a listed shard. */
export interface ShardInfo {
  readonly shardId: string;
  readonly parentShardIds: readonly string[];
  readonly startingHashKey: string;
  readonly endingHashKey: string;
  /** The shard's first sequence number: shard ids are not ordered across streams, this is. */
  readonly startingSequenceNumber: string;
}

/** The parts of a ListShards entry the source uses. */
export function shardInfo(shard: Shard): ShardInfo {
  return {
    shardId: shard.ShardId as string,
    parentShardIds: [shard.ParentShardId, shard.AdjacentParentShardId].filter(
      (id): id is string => id !== undefined,
    ),
    startingHashKey: shard.HashKeyRange?.StartingHashKey ?? '0',
    endingHashKey: shard.HashKeyRange?.EndingHashKey ?? '0',
    startingSequenceNumber: shard.SequenceNumberRange?.StartingSequenceNumber ?? '0',
  };
}

/**
 * Whether a shard may be read: every parent has been read to its end. A parent that is no longer
 * listed (trimmed by retention) counts as ended: its records are gone, nothing can be out of order.
 */
export function parentsFinished(
  shard: Pick<ShardInfo, 'parentShardIds'>,
  finished: ReadonlySet<string>,
  listed: ReadonlyMap<string, ShardInfo>,
): boolean {
  return shard.parentShardIds.every((parent) => finished.has(parent) || !listed.has(parent));
}

const HASH_SPACE = 1n << 128n;

/**
 * The reader that owns a shard, uniformly by hash key range: the 128-bit hash space is cut into
 * `parallelism` equal slices and a shard goes to the slice holding the middle of its range. So
 * shards of equal width spread evenly, and a child lands near its parent's reader.
 */
export function shardOwner(
  shard: Pick<ShardInfo, 'startingHashKey' | 'endingHashKey'>,
  parallelism: number,
): number {
  const middle = (BigInt(shard.startingHashKey) + BigInt(shard.endingHashKey)) / 2n;
  const owner = Number((middle * BigInt(parallelism)) / HASH_SPACE);
  return Math.min(parallelism - 1, Math.max(0, owner));
}
