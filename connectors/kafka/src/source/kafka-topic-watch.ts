import { type Logger, toError } from '@tributary/core';
import { kafkaErrorType } from '../client/kafka-errors.js';
import type { KafkaJsCluster } from '../client/kafkajs-internals.js';
import {
  anyBroker,
  describeTopics,
  supportsTopicIds,
  type TopicDescription,
} from '../client/topic-metadata.js';
import type { TopicPartition } from './kafka-offsets-resolver.js';
import { partitionSplitId } from './kafka-partition-split.js';

/** What became of a partition the source reads. */
export type PartitionFate =
  | { readonly kind: 'present' }
  | { readonly kind: 'deleted' }
  | { readonly kind: 'recreated'; readonly previousId: string; readonly currentId: string };

/** A partition to check, with the topic id its split recorded (if any). */
export interface WatchedPartition extends TopicPartition {
  readonly topicId?: string | undefined;
}

/**
 * Tells whether the partitions a reader owns still exist and still belong to the same topic
 * (topic id, KIP-516). The source asks when a split is assigned or restored and when a leader
 * answers "unknown topic or partition" (or has none), so a deleted topic becomes a clear verdict
 * instead of an endless retry, and a recreated topic is noticed instead of being read from an
 * offset of the old one.
 *
 * One Metadata request per check (v12, with ids; older brokers: kafkajs's metadata, existence
 * only). A failed check proves nothing, so it answers `present` (the fetch's own retries go on).
 */
export class KafkaTopicWatch {
  /** The id each topic had when first seen, for splits that did not record one. */
  private readonly ids = new Map<string, string>();

  constructor(
    private readonly cluster: KafkaJsCluster,
    private readonly logger: Logger,
  ) {}

  /** The id recorded for `topic` (first seen, or from a split), if any. */
  idOf(topic: string): string | undefined {
    return this.ids.get(topic);
  }

  /** Forgets `topic`'s id (after the source moved on to its new incarnation). */
  forget(topic: string): void {
    this.ids.delete(topic);
  }

  /** The fate of each partition, by split id. */
  async fates(partitions: readonly WatchedPartition[]): Promise<Map<string, PartitionFate>> {
    const fates = new Map<string, PartitionFate>();
    if (partitions.length === 0) return fates;
    for (const p of partitions)
      if (p.topicId !== undefined && !this.ids.has(p.topic)) this.ids.set(p.topic, p.topicId);
    let described: Map<string, TopicDescription>;
    try {
      described = await this.describe([...new Set(partitions.map((p) => p.topic))]);
    } catch (error) {
      this.logger.debug(
        { err: toError(error) },
        'could not check the topics of Kafka splits; assuming present',
      );
      for (const p of partitions) fates.set(partitionSplitId(p.topic, p.partition), { kind: 'present' });
      return fates;
    }
    for (const p of partitions)
      fates.set(partitionSplitId(p.topic, p.partition), this.fate(p, described.get(p.topic)));
    return fates;
  }

  private fate(p: WatchedPartition, topic: TopicDescription | undefined): PartitionFate {
    if (topic === undefined || !topic.exists || p.partition >= topic.partitions) return { kind: 'deleted' };
    const previousId = p.topicId ?? this.ids.get(p.topic);
    if (topic.topicId === undefined) return { kind: 'present' };
    if (previousId === undefined) {
      this.ids.set(p.topic, topic.topicId);
      return { kind: 'present' };
    }
    return previousId === topic.topicId
      ? { kind: 'present' }
      : { kind: 'recreated', previousId, currentId: topic.topicId };
  }

  private async describe(topics: readonly string[]): Promise<Map<string, TopicDescription>> {
    const broker = await anyBroker(this.cluster);
    if (supportsTopicIds(broker)) return describeTopics(broker, topics);
    // Kafka < 3.1: kafkajs's metadata, one topic at a time (it throws on the first unknown one).
    const described = new Map<string, TopicDescription>();
    for (const topic of topics) {
      try {
        const metadata = await (
          broker as unknown as {
            metadata(topics: string[]): Promise<{ topicMetadata: { partitionMetadata: unknown[] }[] }>;
          }
        ).metadata([topic]);
        const partitions = metadata.topicMetadata[0]?.partitionMetadata.length ?? 0;
        described.set(topic, { exists: true, topicId: undefined, partitions });
      } catch (error) {
        if (kafkaErrorType(error) !== 'UNKNOWN_TOPIC_OR_PARTITION') throw error;
        described.set(topic, { exists: false });
      }
    }
    return described;
  }
}
