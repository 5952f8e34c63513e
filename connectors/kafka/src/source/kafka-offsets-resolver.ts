import { TributaryError } from '@tributary/core';
import { kafkaErrorType, wrapKafkaError } from '../client/kafka-errors.js';
import type { KafkaJsCluster } from '../client/kafkajs-internals.js';
import { KafkaErrorCodes } from '../kafka-error-codes.js';
import { partitionSplitId } from './kafka-partition-split.js';
import type { StartingOffsets, StoppingOffsets } from './kafka-source-options.js';

/** A topic partition. */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** Where to go without a committed or specific offset. */
export type OffsetResetStrategy = 'earliest' | 'latest' | 'none';

/** Offsets by split id (`topic-partition`). */
export type OffsetsByPartition = Map<string, number>;

/**
 * Offset lookups (ListOffsets, OffsetFetch) on a kafkajs cluster, and the translation of the
 * configured start and stop choices into concrete offsets per partition (Flink's
 * `OffsetsInitializer`s). All lookups are batched per topic and leader by kafkajs.
 */
export class KafkaOffsetsResolver {
  constructor(private readonly cluster: KafkaJsCluster) {}

  /** Makes the cluster hold fresh metadata for `topics` (needed before offset lookups). */
  async ensureMetadata(topics: readonly string[]): Promise<void> {
    try {
      await this.cluster.addMultipleTargetTopics([...topics]);
      await this.cluster.refreshMetadata();
    } catch (error) {
      throw wrapKafkaError(
        error,
        'metadata',
        { topics },
        kafkaErrorType(error) === 'UNKNOWN_TOPIC_OR_PARTITION' ? KafkaErrorCodes.UNKNOWN_TOPIC : undefined,
      );
    }
  }

  async earliest(partitions: readonly TopicPartition[]): Promise<OffsetsByPartition> {
    return this.listOffsets(partitions, { fromBeginning: true });
  }

  /** End offsets: the high watermark, or the last stable offset for a read_committed cluster. */
  async latest(partitions: readonly TopicPartition[]): Promise<OffsetsByPartition> {
    return this.listOffsets(partitions, { fromBeginning: false });
  }

  /** The first offset with a timestamp ≥ `timestamp`; partitions without one are absent. */
  async forTimestamp(partitions: readonly TopicPartition[], timestamp: number): Promise<OffsetsByPartition> {
    const offsets = await this.listOffsets(partitions, { fromTimestamp: timestamp });
    for (const [id, offset] of offsets) if (offset < 0) offsets.delete(id);
    return offsets;
  }

  /** The group's committed offsets; partitions without one are absent. */
  async committed(groupId: string, partitions: readonly TopicPartition[]): Promise<OffsetsByPartition> {
    const result: OffsetsByPartition = new Map();
    if (partitions.length === 0) return result;
    try {
      const coordinator = await this.cluster.findGroupCoordinator({ groupId });
      const { responses } = await coordinator.offsetFetch({ groupId, topics: byTopic(partitions) });
      for (const { topic, partitions: ps } of responses) {
        for (const p of ps) {
          const offset = Number(p.offset);
          if (offset >= 0) result.set(partitionSplitId(topic, p.partition), offset);
        }
      }
      return result;
    } catch (error) {
      throw wrapKafkaError(error, 'OffsetFetch', { groupId });
    }
  }

  /** Start offsets per partition for `spec`, with `reset` where the spec has no answer. */
  async startingOffsets(
    partitions: readonly TopicPartition[],
    spec: StartingOffsets,
    reset: OffsetResetStrategy,
    groupId: string | undefined,
  ): Promise<OffsetsByPartition> {
    if (partitions.length === 0) return new Map();
    if (spec === 'earliest') return this.earliest(partitions);
    if (spec === 'latest') return this.latest(partitions);
    let known: OffsetsByPartition;
    if (spec === 'committed') known = await this.committed(groupId as string, partitions);
    else if ('timestamp' in spec) {
      known = await this.forTimestamp(partitions, spec.timestamp);
      // No record at or after the timestamp yet: start at the end (records arriving later are read).
      const missing = partitions.filter((p) => !known.has(partitionSplitId(p.topic, p.partition)));
      for (const [id, offset] of await this.latest(missing)) known.set(id, offset);
    } else known = specificOffsets(partitions, spec.specific);
    return this.fillWithReset(
      partitions,
      known,
      reset,
      spec === 'committed' ? 'committed offset' : 'specific offset',
    );
  }

  /** Stop offsets per partition; `undefined` when the read is unbounded. */
  async stoppingOffsets(
    partitions: readonly TopicPartition[],
    spec: StoppingOffsets,
  ): Promise<OffsetsByPartition | undefined> {
    if (spec === 'never') return undefined;
    if (partitions.length === 0) return new Map();
    if (spec === 'latest') return this.latest(partitions);
    const known =
      'timestamp' in spec
        ? await this.forTimestamp(partitions, spec.timestamp)
        : specificOffsets(partitions, spec.specific);
    const missing = partitions.filter((p) => !known.has(partitionSplitId(p.topic, p.partition)));
    for (const [id, offset] of await this.latest(missing)) known.set(id, offset);
    return known;
  }

  private async fillWithReset(
    partitions: readonly TopicPartition[],
    known: OffsetsByPartition,
    reset: OffsetResetStrategy,
    what: string,
  ): Promise<OffsetsByPartition> {
    const missing = partitions.filter((p) => !known.has(partitionSplitId(p.topic, p.partition)));
    if (missing.length === 0) return known;
    if (reset === 'none') {
      const first = missing[0] as TopicPartition;
      throw new TributaryError(
        KafkaErrorCodes.NO_OFFSET,
        `No ${what} for ${missing.length} partition(s) (e.g. ${first.topic}-${first.partition}) and kafka.source.offsetResetStrategy is "none"`,
        { context: { topic: first.topic, partition: first.partition, partitions: missing.length } },
      );
    }
    const filled = reset === 'earliest' ? await this.earliest(missing) : await this.latest(missing);
    for (const [id, offset] of filled) known.set(id, offset);
    return known;
  }

  private async listOffsets(
    partitions: readonly TopicPartition[],
    mode: { fromBeginning: boolean } | { fromTimestamp: number },
  ): Promise<OffsetsByPartition> {
    const result: OffsetsByPartition = new Map();
    if (partitions.length === 0) return result;
    try {
      const response = await this.cluster.fetchTopicsOffset(
        byTopic(partitions).map(({ topic, partitions: ps }) => ({ topic, partitions: ps, ...mode })),
      );
      for (const { topic, partitions: ps } of response) {
        for (const p of ps) result.set(partitionSplitId(topic, p.partition), Number(p.offset));
      }
      return result;
    } catch (error) {
      throw wrapKafkaError(error, 'ListOffsets', { topics: [...new Set(partitions.map((p) => p.topic))] });
    }
  }
}

function byTopic(
  partitions: readonly TopicPartition[],
): { topic: string; partitions: { partition: number }[] }[] {
  const grouped = new Map<string, { partition: number }[]>();
  for (const { topic, partition } of partitions) {
    const list = grouped.get(topic);
    if (list) list.push({ partition });
    else grouped.set(topic, [{ partition }]);
  }
  return [...grouped].map(([topic, ps]) => ({ topic, partitions: ps }));
}

function specificOffsets(
  partitions: readonly TopicPartition[],
  specific: Readonly<Record<string, Readonly<Record<string, number>>>>,
): OffsetsByPartition {
  const result: OffsetsByPartition = new Map();
  for (const { topic, partition } of partitions) {
    const offset = specific[topic]?.[String(partition)];
    if (offset !== undefined) result.set(partitionSplitId(topic, partition), offset);
  }
  return result;
}
