import { kafkaErrorType, wrapKafkaError } from '../client/kafka-errors.js';
import type { KafkaJsCluster } from '../client/kafkajs-internals.js';
import { KafkaErrorCodes } from '../kafka-error-codes.js';
import type { TopicPartition } from './kafka-offsets-resolver.js';
import type { ResolvedKafkaSourceOptions } from './kafka-source-options.js';

/**
 * Lists the partitions a source subscribes to (Flink's `KafkaSubscriber`): every partition of the
 * named topics, of every topic matching the pattern (internal `__` topics excluded), or the
 * explicit partitions (checked to exist). Called on start and at every discovery interval.
 */
export class KafkaPartitionDiscoverer {
  private readonly pattern: RegExp | undefined;

  constructor(
    private readonly cluster: KafkaJsCluster,
    private readonly options: Pick<ResolvedKafkaSourceOptions, 'topics' | 'topicPattern' | 'partitions'>,
  ) {
    this.pattern = options.topicPattern === undefined ? undefined : new RegExp(options.topicPattern);
  }

  async discover(): Promise<TopicPartition[]> {
    const named =
      this.options.topics ??
      (this.options.partitions ? [...new Set(this.options.partitions.map((p) => p.topic))] : undefined);
    let metadata: Awaited<ReturnType<KafkaJsCluster['metadata']>>;
    try {
      metadata =
        named === undefined
          ? await this.cluster.metadata()
          : await this.cluster.metadata({ topics: [...named] });
    } catch (error) {
      throw wrapKafkaError(
        error,
        'metadata',
        named === undefined ? { topicPattern: this.options.topicPattern } : { topics: named },
        kafkaErrorType(error) === 'UNKNOWN_TOPIC_OR_PARTITION' ? KafkaErrorCodes.UNKNOWN_TOPIC : undefined,
      );
    }
    const all: TopicPartition[] = [];
    for (const { topic, partitionMetadata } of metadata.topicMetadata) {
      if (this.pattern !== undefined && (topic.startsWith('__') || !this.pattern.test(topic))) continue;
      for (const p of partitionMetadata) all.push({ topic, partition: p.partitionId });
    }
    const explicit = this.options.partitions;
    if (explicit === undefined) return sortPartitions(all);
    const existing = new Set(all.map((p) => `${p.topic}\u0000${p.partition}`));
    const unknown = explicit.filter((p) => !existing.has(`${p.topic}\u0000${p.partition}`));
    if (unknown.length > 0) {
      const first = unknown[0] as TopicPartition;
      throw wrapKafkaError(
        new Error(`partition ${first.topic}-${first.partition} does not exist`),
        'metadata',
        { topic: first.topic, partition: first.partition },
        KafkaErrorCodes.UNKNOWN_TOPIC,
      );
    }
    return sortPartitions(explicit.map((p) => ({ topic: p.topic, partition: p.partition })));
  }
}

function sortPartitions(partitions: TopicPartition[]): TopicPartition[] {
  return partitions.sort((a, b) =>
    a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
  );
}
