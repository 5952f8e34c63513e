import { jsonSerializer, type SourceSplit, type VersionedSerializer } from '@tributary/core';

/**
 * One topic partition with the offset to read next and, for bounded reads, the offset to stop
 * before. Offsets are resolved by the enumerator before assignment (start at earliest / latest /
 * committed / timestamp / specific offsets all become a number here), so readers and checkpoints
 * only ever hold concrete positions.
 */
export interface KafkaPartitionSplit extends SourceSplit {
  readonly topic: string;
  readonly partition: number;
  /** The next offset to read. */
  readonly startingOffset: number;
  /** Stop before this offset (exclusive); absent for an unbounded read. */
  readonly stoppingOffset?: number;
  /**
   * The id of the topic (KIP-516, 32 hex digits) when the split was created or first read:
   * a topic deleted and created again under the same name has another id, and the source does
   * not read it from this split's offset. Absent in checkpoints of older versions and on
   * clusters without topic ids.
   */
  readonly topicId?: string;
}

/** The reader's mutable view of a split: `offset` advances as records are emitted. */
export interface KafkaPartitionSplitState {
  readonly splitId: string;
  readonly topic: string;
  readonly partition: number;
  /**
   * Next offset to read: one past the last emitted record, or, once a fetched batch's last record
   * was emitted, the batch's end (past transaction markers and compacted-away records).
   */
  offset: number;
  readonly stoppingOffset: number | undefined;
}

/** The split id of a topic partition: `topic-partition`, as Flink names them. */
export function partitionSplitId(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** Builds a split; the id is derived from topic and partition. */
export function kafkaPartitionSplit(
  topic: string,
  partition: number,
  startingOffset: number,
  stoppingOffset?: number,
  topicId?: string,
): KafkaPartitionSplit {
  return {
    splitId: partitionSplitId(topic, partition),
    topic,
    partition,
    startingOffset,
    ...(stoppingOffset === undefined ? {} : { stoppingOffset }),
    ...(topicId === undefined ? {} : { topicId }),
  };
}

/** Serializer of {@link KafkaPartitionSplit} (JSON, version 1). */
export const kafkaPartitionSplitSerializer: VersionedSerializer<KafkaPartitionSplit> =
  jsonSerializer<KafkaPartitionSplit>({ name: 'KafkaPartitionSplit' });
