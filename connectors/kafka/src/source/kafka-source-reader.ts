import {
  type Counter,
  type InputStatus,
  type Logger,
  type MetricGroup,
  type ReaderOutput,
  SingleSplitFetcherManager,
  SourceReaderBase,
  type SourceReaderContext,
  type SourceReaderMetricGroup,
  toError,
} from '@tributary/core';
import type { Kafka } from 'kafkajs';
import { wrapKafkaError } from '../client/kafka-errors.js';
import { createCluster, type KafkaJsCluster } from '../client/kafkajs-internals.js';
import type { KafkaFetchedBatch } from './kafka-fetched-batch.js';
import type { KafkaPartitionSplit, KafkaPartitionSplitState } from './kafka-partition-split.js';
import { type HighWatermarks, KafkaPartitionSplitReader } from './kafka-partition-split-reader.js';
import type { KafkaRecordDeserializer } from './kafka-record-deserializer.js';
import { KafkaRecordEmitter } from './kafka-record-emitter.js';
import type { ResolvedKafkaSourceOptions } from './kafka-source-options.js';

type PendingOffsets = Map<string, { topic: string; partition: number; offset: number }>;

/** Checkpoints whose offsets wait for completion; older ones are dropped when a newer one completes. */
const MAX_PENDING_OFFSET_COMMITS = 16;

/**
 * The Kafka source reader: one fetch loop for all of the reader's partitions
 * ({@link SingleSplitFetcherManager} + {@link KafkaPartitionSplitReader}), per-partition outputs
 * (watermarks and idleness per partition), exact positions in checkpoints, and offsets committed
 * to the group when a checkpoint completes (monitoring only: restores use the checkpoint).
 *
 * A reader that owns no partition (parallelism above the partition count) marks itself idle so
 * it does not hold the job's watermark back.
 */
export class KafkaSourceReader<T> extends SourceReaderBase<
  KafkaFetchedBatch,
  T,
  KafkaPartitionSplit,
  KafkaPartitionSplitState
> {
  private readonly highWatermarks: HighWatermarks;
  /** Topic ids the fetcher learned or moved to, by split id (checkpointed with the splits). */
  private readonly topicIds: Map<string, string>;
  private readonly states: Map<string, KafkaPartitionSplitState>;
  private readonly offsetsToCommit = new Map<number, PendingOffsets>();
  /** Final offsets of finished splits, committed with the next completed checkpoint. */
  private readonly finishedOffsets: PendingOffsets = new Map();
  private nextCommit: { checkpointId: number; offsets: PendingOffsets } | undefined;
  private committing: Promise<void> | undefined;
  private committer: Promise<KafkaJsCluster> | undefined;
  private idleMarked = false;
  private readonly log: Logger;
  private readonly metricGroup: SourceReaderMetricGroup;
  /** Per-partition metric groups (`topic`, `partition` labels), by split id. */
  private readonly partitionGroups = new Map<string, MetricGroup>();
  /** True once a partition was assigned: before that, the lag is unknown, not 0. */
  private everAssigned = false;
  /** Offsets last committed to the group, by split id (the `committedOffset` gauges). */
  private readonly committedOffsets = new Map<string, number>();
  private readonly commitsSucceeded: Counter;
  private readonly commitsFailed: Counter;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: ResolvedKafkaSourceOptions,
    deserializer: KafkaRecordDeserializer<T>,
    context: SourceReaderContext,
  ) {
    const highWatermarks: HighWatermarks = new Map();
    const topicIds = new Map<string, string>();
    const states = new Map<string, KafkaPartitionSplitState>();
    const fetchErrors = context.metricGroup.counter('fetchErrors');
    const partitionsDropped = context.metricGroup.counter('partitionsDropped');
    const topicsRecreated = context.metricGroup.counter('topicsRecreated');
    const logger = context.logger.child({ component: 'kafka-source', subtask: context.subtaskId });
    const isolationLevel = options.isolationLevel === 'read_committed' ? 1 : 0;
    super(
      new SingleSplitFetcherManager<KafkaFetchedBatch, KafkaPartitionSplit>(
        () =>
          new KafkaPartitionSplitReader(
            createCluster(kafka, { metadataMaxAgeMs: options.metadataMaxAgeMs, isolationLevel }),
            options,
            highWatermarks,
            logger,
            deserializer,
            {
              fetchLag: (lagMs) => context.metricGroup.recordFetchEventTimeLag(lagMs),
              fetchError: () => fetchErrors.inc(),
              topicIdLearned: (splitId, topicId) => topicIds.set(splitId, topicId),
              partitionDropped: () => partitionsDropped.inc(),
              topicRecreated: (splitId, topicId, position) => {
                topicsRecreated.inc();
                topicIds.set(splitId, topicId);
                const state = states.get(splitId);
                if (state !== undefined) state.offset = position;
              },
            },
          ),
        options,
        logger,
      ),
      new KafkaRecordEmitter(deserializer, context.metricGroup, options.onDeserializationError, logger),
      context,
      options,
    );
    this.highWatermarks = highWatermarks;
    this.topicIds = topicIds;
    this.states = states;
    this.log = logger;
    this.metricGroup = context.metricGroup;
    context.metricGroup.setPendingRecordsGauge(() => this.pendingRecords());
    // Flink's KafkaSourceReaderMetrics: offset commits to the group and the largest partition lag.
    this.commitsSucceeded = context.metricGroup.counter('commitsSucceeded');
    this.commitsFailed = context.metricGroup.counter('commitsFailed');
    context.metricGroup.gauge('recordsLagMax', () => this.recordsLagMax());
  }

  override pollNext(output: ReaderOutput<T>): InputStatus {
    if (this.states.size === 0) {
      if (!this.idleMarked) {
        this.idleMarked = true;
        output.markIdle();
      }
    } else {
      this.idleMarked = false;
    }
    return super.pollNext(output);
  }

  override snapshotState(checkpointId: number): KafkaPartitionSplit[] {
    const splits = super.snapshotState(checkpointId);
    if (this.options.groupId !== undefined && this.options.commitOffsetsOnCheckpoint) {
      const offsets: PendingOffsets = new Map(this.finishedOffsets);
      for (const s of splits)
        offsets.set(s.splitId, { topic: s.topic, partition: s.partition, offset: s.startingOffset });
      this.offsetsToCommit.set(checkpointId, offsets);
      if (this.offsetsToCommit.size > MAX_PENDING_OFFSET_COMMITS) {
        this.offsetsToCommit.delete(this.offsetsToCommit.keys().next().value as number);
      }
    }
    return splits;
  }

  /**
   * Commits the completed checkpoint's offsets to the group in the background (the subtask's loop
   * does not wait for the round trips). Failures are logged, never fatal: the offsets are for
   * monitoring, and the next checkpoint commits newer ones. At most one commit runs at a time; a
   * checkpoint completing meanwhile is folded into the next one.
   */
  notifyCheckpointComplete(checkpointId: number): void {
    if (this.options.groupId === undefined || !this.options.commitOffsetsOnCheckpoint) return;
    // A reader that ended takes no snapshot; its finished splits' offsets still get committed.
    const offsets = this.offsetsToCommit.get(checkpointId) ?? new Map(this.finishedOffsets);
    for (const id of offsets.keys()) this.finishedOffsets.delete(id);
    for (const id of [...this.offsetsToCommit.keys()])
      if (id <= checkpointId) this.offsetsToCommit.delete(id);
    if (offsets === undefined || offsets.size === 0) return;
    this.nextCommit = { checkpointId, offsets };
    if (this.committing === undefined) this.committing = this.commitLoop();
  }

  /** Resolves when no offset commit is in flight (tests, orderly shutdown). */
  async offsetCommitsSettled(): Promise<void> {
    while (this.committing !== undefined) await this.committing;
  }

  private async commitLoop(): Promise<void> {
    for (let next = this.nextCommit; next !== undefined; next = this.nextCommit) {
      this.nextCommit = undefined;
      await this.commitOffsets(next.checkpointId, next.offsets);
    }
    this.committing = undefined;
  }

  private async commitOffsets(checkpointId: number, offsets: PendingOffsets): Promise<void> {
    const groupId = this.options.groupId as string;
    const topics = new Map<string, { partition: number; offset: string }[]>();
    for (const { topic, partition, offset } of offsets.values()) {
      const list = topics.get(topic);
      const entry = { partition, offset: String(offset) };
      if (list) list.push(entry);
      else topics.set(topic, [entry]);
    }
    try {
      const cluster = await this.committerCluster();
      const coordinator = await cluster.findGroupCoordinator({ groupId });
      await coordinator.offsetCommit({
        groupId,
        // A group without members (generation -1, no member id): the source never joins it.
        groupGenerationId: -1,
        memberId: '',
        topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
      });
      for (const [id, { offset }] of offsets) this.committedOffsets.set(id, offset);
      this.commitsSucceeded.inc();
    } catch (error) {
      this.commitsFailed.inc();
      this.log.warn(
        { err: wrapKafkaError(error, 'OffsetCommit', { groupId, checkpointId }) },
        'committing offsets to the consumer group failed (monitoring only; the next checkpoint retries)',
      );
    }
  }

  override async close(): Promise<void> {
    for (const group of this.partitionGroups.values()) group.close();
    this.partitionGroups.clear();
    await super.close();
    await this.offsetCommitsSettled();
    const committer = this.committer;
    this.committer = undefined;
    if (committer)
      await (await committer.catch(() => undefined))?.disconnect().catch((e: unknown) => {
        this.log.debug({ err: toError(e) }, 'error while disconnecting the offset committer');
      });
  }

  protected initializedState(split: KafkaPartitionSplit): KafkaPartitionSplitState {
    const state: KafkaPartitionSplitState = {
      splitId: split.splitId,
      topic: split.topic,
      partition: split.partition,
      offset: split.startingOffset,
      stoppingOffset: split.stoppingOffset,
    };
    if (split.topicId !== undefined) this.topicIds.set(split.splitId, split.topicId);
    this.states.set(split.splitId, state);
    this.everAssigned = true;
    if (!this.partitionGroups.has(split.splitId)) {
      const group = this.metricGroup
        .addGroup('topic', split.topic)
        .addGroup('partition', String(split.partition));
      group.gauge('pendingRecords', () => this.partitionPending(split.splitId));
      group.gauge('currentOffset', () => this.states.get(split.splitId)?.offset);
      group.gauge('committedOffset', () => this.committedOffsets.get(split.splitId));
      this.partitionGroups.set(split.splitId, group);
    }
    return state;
  }

  protected toSplitType(splitId: string, state: KafkaPartitionSplitState): KafkaPartitionSplit {
    const topicId = this.topicIds.get(splitId);
    return {
      splitId,
      topic: state.topic,
      partition: state.partition,
      startingOffset: state.offset,
      ...(state.stoppingOffset === undefined ? {} : { stoppingOffset: state.stoppingOffset }),
      ...(topicId === undefined ? {} : { topicId }),
    };
  }

  protected onSplitFinished(finished: ReadonlyMap<string, KafkaPartitionSplitState>): void {
    for (const [id, state] of finished) {
      this.finishedOffsets.set(id, {
        topic: state.topic,
        partition: state.partition,
        offset: state.stoppingOffset ?? state.offset,
      });
      this.states.delete(id);
      this.highWatermarks.delete(id);
      this.topicIds.delete(id);
      this.partitionGroups.get(id)?.close();
      this.partitionGroups.delete(id);
    }
    this.log.debug({ splits: [...finished.keys()] }, 'Kafka partitions reached their stopping offset');
  }

  /**
   * Records between each owned partition's emitted position and its high watermark. Unknown (no
   * value, left out of the export) until every owned partition's high watermark was fetched:
   * a 0 before the first fetch would read as "caught up" while the backlog waits.
   */
  private pendingRecords(): number | undefined {
    if (!this.everAssigned) return undefined;
    let pending = 0;
    for (const id of this.states.keys()) {
      const partition = this.partitionPending(id);
      if (partition === undefined) return undefined;
      pending += partition;
    }
    return pending;
  }

  /** The largest per-partition lag (`records-lag-max`); unknown like {@link pendingRecords}. */
  private recordsLagMax(): number | undefined {
    if (!this.everAssigned) return undefined;
    let max = 0;
    for (const id of this.states.keys()) {
      const partition = this.partitionPending(id);
      if (partition === undefined) return undefined;
      max = Math.max(max, partition);
    }
    return max;
  }

  private partitionPending(splitId: string): number | undefined {
    const state = this.states.get(splitId);
    const hw = this.highWatermarks.get(splitId);
    if (state === undefined || hw === undefined) return undefined;
    return Math.max(0, hw - state.offset);
  }

  private committerCluster(): Promise<KafkaJsCluster> {
    this.committer ??= (async () => {
      const cluster = createCluster(this.kafka, { metadataMaxAgeMs: this.options.metadataMaxAgeMs });
      await cluster.connect();
      return cluster;
    })();
    const pending = this.committer;
    pending.catch(() => {
      if (this.committer === pending) this.committer = undefined;
    });
    return pending;
  }
}
