import { type Logger, TributaryError } from '@tributary/core';
import type { KafkaJsCluster } from '../client/kafkajs-internals.js';
import { KafkaErrorCodes } from '../kafka-error-codes.js';
import type { KafkaOffsetsResolver } from './kafka-offsets-resolver.js';
import type { KafkaPartitionSplit } from './kafka-partition-split.js';
import type { ResolvedKafkaSourceOptions } from './kafka-source-options.js';
import { KafkaTopicWatch } from './kafka-topic-watch.js';

/** A split as the split reader fetches it. */
export interface FetchState {
  readonly split: KafkaPartitionSplit;
  /** Next offset to fetch (runs ahead of what the reader emitted). */
  position: number;
  /** The id of the topic this split reads (KIP-516); undefined until known. */
  topicId: string | undefined;
}

/**
 * What the split reader tells its source reader (metrics, checkpointed topic ids). All optional;
 * called on the fetch loop.
 */
export interface KafkaFetchReporting {
  /** The fetch time minus the Kafka timestamp of the last record of each used fetch (`currentFetchEventTimeLag`). */
  fetchLag?(lagMs: number): void;
  /** A fetch from one leader failed (`fetchErrors`). */
  fetchError?(): void;
  /** A split's topic id became known (checkpointed with the split). */
  topicIdLearned?(splitId: string, topicId: string): void;
  /** A split's partition was deleted and its split dropped (`onPartitionDeleted: 'drop'`). */
  partitionDropped?(splitId: string): void;
  /** A split's topic was recreated and it now reads the new topic from `position` (`onTopicRecreated: 'earliest'`). */
  topicRecreated?(splitId: string, topicId: string, position: number): void;
}

/**
 * The policy for splits whose partition was deleted or whose topic was recreated
 * (`onPartitionDeleted`, `onTopicRecreated`), on the verdicts of a {@link KafkaTopicWatch}.
 * Failing is the default for both: a clear, non-retriable error naming the partition and the
 * option that lets the job go on, never an endless retry or a silent reset.
 */
export class KafkaSplitFates {
  private readonly watch: KafkaTopicWatch;
  /** Splits seen deleted once by a fetch-error check: a second verdict drops or fails them. */
  private readonly suspects = new Set<string>();

  constructor(
    cluster: KafkaJsCluster,
    private readonly options: Pick<ResolvedKafkaSourceOptions, 'onPartitionDeleted' | 'onTopicRecreated'>,
    private readonly resolver: KafkaOffsetsResolver,
    private readonly reporting: KafkaFetchReporting,
    private readonly logger: Logger,
  ) {
    this.watch = new KafkaTopicWatch(cluster, logger);
  }

  /**
   * Checks whether the splits' partitions still exist in the same topic and applies the policy;
   * returns the ids of splits it dropped (through `drop`) or moved to a recreated topic.
   * `immediate`: act on a first "deleted" verdict (assignment, restore); otherwise a split must be
   * seen deleted twice in a row (a broker that just restarted may not know a topic for a moment).
   */
  async settle(
    states: readonly FetchState[],
    immediate: boolean,
    drop: (state: FetchState) => void,
  ): Promise<Set<string>> {
    const moved = new Set<string>();
    if (states.length === 0) return moved;
    const fates = await this.watch.fates(
      states.map((s) => ({ topic: s.split.topic, partition: s.split.partition, topicId: s.topicId })),
    );
    for (const state of states) {
      const id = state.split.splitId;
      const fate = fates.get(id);
      if (fate === undefined || fate.kind === 'present') {
        this.suspects.delete(id);
        const known = this.watch.idOf(state.split.topic);
        if (state.topicId === undefined && known !== undefined) {
          state.topicId = known;
          this.reporting.topicIdLearned?.(id, known);
        }
      } else if (fate.kind === 'deleted') {
        if (!immediate && !this.suspects.has(id)) {
          this.suspects.add(id);
        } else {
          this.partitionDeleted(state, drop);
          moved.add(id);
        }
      } else {
        await this.topicRecreated(state, fate.previousId, fate.currentId);
        moved.add(id);
      }
    }
    return moved;
  }

  private partitionDeleted(state: FetchState, drop: (state: FetchState) => void): void {
    const { splitId, topic, partition } = state.split;
    const context = { topic, partition, offset: state.position };
    if (this.options.onPartitionDeleted === 'fail') {
      throw new TributaryError(
        KafkaErrorCodes.PARTITION_DELETED,
        `Kafka partition ${splitId} no longer exists (topic deleted?) at offset ${state.position}; set kafka.source.onPartitionDeleted to "drop" to go on without it, or start the job without its checkpoint`,
        { retriable: false, context },
      );
    }
    this.suspects.delete(splitId);
    drop(state);
    this.reporting.partitionDropped?.(splitId);
    this.logger.warn(
      context,
      `Kafka partition ${splitId} no longer exists; its split is dropped (onPartitionDeleted: drop)`,
    );
  }

  private async topicRecreated(state: FetchState, previousId: string, currentId: string): Promise<void> {
    const { splitId, topic, partition } = state.split;
    const context = {
      topic,
      partition,
      offset: state.position,
      previousTopicId: previousId,
      topicId: currentId,
    };
    if (this.options.onTopicRecreated === 'fail') {
      throw new TributaryError(
        KafkaErrorCodes.TOPIC_RECREATED,
        `Kafka topic ${topic} was deleted and created again (topic id ${previousId} is now ${currentId}); its offsets start over, so ${splitId} cannot go on from offset ${state.position}. Set kafka.source.onTopicRecreated to "earliest" to read the new topic from its start, or start the job without its checkpoint`,
        { retriable: false, context },
      );
    }
    // Leaders of the new topic's partitions (the cached ones may be the old topic's).
    await this.resolver.ensureMetadata([topic]);
    const earliest = (await this.resolver.earliest([{ topic, partition }])).get(splitId) ?? 0;
    state.position = earliest;
    state.topicId = currentId;
    this.watch.forget(topic);
    this.reporting.topicRecreated?.(splitId, currentId, earliest);
    this.logger.warn(
      { ...context, to: earliest },
      `Kafka topic ${topic} was recreated; ${splitId} reads the new topic from its earliest offset (onTopicRecreated: earliest)`,
    );
  }
}
