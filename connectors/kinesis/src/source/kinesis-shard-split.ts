import { jsonSerializer, type SourceSplit, type VersionedSerializer } from '@tributary/core';

/**
 * Where a shard is read from. Checkpoints only ever hold `after-sequence-number` (or the split's
 * original position when nothing was emitted yet); `sub` is the sub-sequence number of the last
 * emitted user record of a KPL-aggregated record (the rest of that aggregate follows).
 */
export type ShardPosition =
  | { readonly type: 'trim-horizon' }
  | { readonly type: 'latest' }
  | { readonly type: 'at-timestamp'; readonly timestamp: number }
  | { readonly type: 'after-sequence-number'; readonly sequenceNumber: string; readonly sub?: number };

/** One shard of the stream: its lineage (for ordering), hash key range and position. */
export interface KinesisShardSplit extends SourceSplit {
  readonly shardId: string;
  /** The shard(s) this one was split from or merged from; read to their end before this one starts. */
  readonly parentShardIds: readonly string[];
  /** Decimal start of the shard's hash key range (assignment). */
  readonly startingHashKey: string;
  readonly endingHashKey: string;
  readonly position: ShardPosition;
  /** Bounded reads: records that arrived after this (ms since the epoch) end the split. */
  readonly stopAtTimestamp?: number;
  /**
   * Set on splits a reader checkpointed after they ended, until the enumerator surely knows: a
   * restored reader reports them finished again instead of reading them.
   */
  readonly finished?: boolean;
}

/** The reader's mutable view of a split: the position after the last emitted record. */
export interface KinesisShardSplitState {
  readonly split: KinesisShardSplit;
  position: ShardPosition;
  /** Sequence number of the last emitted record (reported to the enumerator when the shard ends). */
  lastSequenceNumber: string | undefined;
}

/** Serializer of {@link KinesisShardSplit} (JSON, version 1). */
export const kinesisShardSplitSerializer: VersionedSerializer<KinesisShardSplit> =
  jsonSerializer<KinesisShardSplit>({
    name: 'KinesisShardSplit',
  });
