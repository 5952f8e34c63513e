import {
  jsonSerializer,
  type Logger,
  type SplitEnumerator,
  type SplitEnumeratorContext,
  toError,
  type VersionedSerializer,
} from '@tributary/core';
import type { KafkaJsCluster } from '../client/kafkajs-internals.js';
import { KafkaOffsetsResolver, type TopicPartition } from './kafka-offsets-resolver.js';
import { KafkaPartitionDiscoverer } from './kafka-partition-discoverer.js';
import { type KafkaPartitionSplit, kafkaPartitionSplit, partitionSplitId } from './kafka-partition-split.js';
import type { ResolvedKafkaSourceOptions } from './kafka-source-options.js';
import { KafkaTopicWatch } from './kafka-topic-watch.js';

/** The enumerator's checkpoint. */
export interface KafkaSourceEnumState {
  /** Split ids handed to readers (their positions live in the readers' state). */
  readonly assignedPartitions: readonly string[];
  /** Discovered splits (offsets resolved) not yet handed to a reader. */
  readonly pendingSplits: readonly KafkaPartitionSplit[];
  /** Whether the first discovery ran: partitions found later start at the earliest offset. */
  readonly initialDiscoveryFinished: boolean;
}

/** Serializer of {@link KafkaSourceEnumState} (JSON, version 1). */
export const kafkaSourceEnumStateSerializer: VersionedSerializer<KafkaSourceEnumState> =
  jsonSerializer<KafkaSourceEnumState>({ name: 'KafkaSourceEnumState' });

/**
 * The reader that owns a partition: Flink's `KafkaSourceEnumerator.getSplitOwner`, so partitions
 * of one topic spread round-robin from a topic-dependent start, and assignments are stable for a
 * given parallelism.
 */
export function splitOwner(topic: string, partition: number, parallelism: number): number {
  let hash = 0;
  for (let i = 0; i < topic.length; i++) hash = (Math.imul(hash, 31) + topic.charCodeAt(i)) | 0;
  const start = (Math.imul(hash, 31) & 0x7fffffff) % parallelism;
  return (start + partition) % parallelism;
}

interface Discovered {
  readonly splits: KafkaPartitionSplit[];
  readonly initial: boolean;
}

/**
 * Discovers partitions, resolves their start (and stop) offsets and assigns each to its owner
 * reader (push-based, Flink's `KafkaSourceEnumerator`). The reader owns its partitions: nothing
 * rebalances them behind the job's back, which is what makes checkpointed offsets exact.
 *
 * Discovery and offset lookups run through `ctx.callAsync`; their results are applied on the
 * enumerator's loop. Partitions found by a later discovery start at the earliest offset (they
 * were created after the job started, so "latest" would skip their first records). Bounded
 * sources discover once and then tell each reader there are no more splits.
 */
export class KafkaSourceEnumerator implements SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> {
  private readonly assigned: Set<string>;
  private readonly pending = new Map<string, KafkaPartitionSplit>();
  private initialDiscoveryFinished: boolean;
  private readonly signalledNoMore = new Set<number>();
  private readonly logger: Logger;
  private readonly discoverer: KafkaPartitionDiscoverer;
  private readonly resolver: KafkaOffsetsResolver;
  private readonly topics: KafkaTopicWatch;
  private connecting: Promise<void> | undefined;

  constructor(
    private readonly ctx: SplitEnumeratorContext<KafkaPartitionSplit>,
    private readonly options: ResolvedKafkaSourceOptions,
    private readonly cluster: KafkaJsCluster,
    private readonly bounded: boolean,
    restored: KafkaSourceEnumState | undefined,
  ) {
    this.assigned = new Set(restored?.assignedPartitions ?? []);
    for (const split of restored?.pendingSplits ?? []) this.pending.set(split.splitId, split);
    this.initialDiscoveryFinished = restored?.initialDiscoveryFinished ?? false;
    this.logger = ctx.logger.child({ component: 'kafka-enumerator' });
    this.discoverer = new KafkaPartitionDiscoverer(cluster, options);
    this.resolver = new KafkaOffsetsResolver(cluster);
    this.topics = new KafkaTopicWatch(cluster, this.logger);
    // Unknown (no value) until the first discovery finished, not 0.
    ctx.metricGroup.setUnassignedSplitsGauge(() =>
      this.initialDiscoveryFinished ? this.pending.size : undefined,
    );
  }

  start(): void {
    if (this.bounded && this.initialDiscoveryFinished) {
      this.assignPending();
      return;
    }
    const interval = this.options.partitionDiscoveryIntervalMs;
    const periodic = !this.bounded && interval > 0 && this.options.partitions === undefined;
    this.ctx.callAsync(
      () => this.discover(),
      (result, error) => this.onDiscovered(result, error),
      periodic ? { periodMs: interval } : undefined,
    );
  }

  handleSplitRequest(): void {
    // Push-based: splits are assigned on discovery and registration, never on request.
  }

  addSplitsBack(splits: readonly KafkaPartitionSplit[]): void {
    for (const split of splits) {
      this.assigned.delete(split.splitId);
      this.pending.set(split.splitId, split);
    }
    this.assignPending();
  }

  addReader(subtaskId: number): void {
    this.assignPending();
    this.maybeSignalNoMoreSplits(subtaskId);
  }

  snapshotState(): KafkaSourceEnumState {
    return {
      assignedPartitions: [...this.assigned],
      pendingSplits: [...this.pending.values()],
      initialDiscoveryFinished: this.initialDiscoveryFinished,
    };
  }

  async close(): Promise<void> {
    await this.connecting?.catch(() => undefined);
    await this.cluster.disconnect().catch(() => undefined);
  }

  /** Off the loop: finds partitions not known yet and resolves their offsets. */
  private async discover(): Promise<Discovered> {
    this.connecting ??= this.cluster.connect();
    await this.connecting;
    const initial = !this.initialDiscoveryFinished;
    const known = new Set([...this.assigned, ...this.pending.keys()]);
    const fresh = (await this.discoverer.discover()).filter(
      (p) => !known.has(partitionSplitId(p.topic, p.partition)),
    );
    if (fresh.length === 0) return { splits: [], initial };
    await this.resolver.ensureMetadata([...new Set(fresh.map((p) => p.topic))]);
    const start = initial
      ? await this.resolver.startingOffsets(
          fresh,
          this.options.startingOffsets,
          this.options.offsetResetStrategy,
          this.options.groupId,
        )
      : await this.resolver.earliest(fresh);
    const stop = await this.resolver.stoppingOffsets(fresh, this.options.stoppingOffsets);
    // Topic ids go into the splits: a reader restored after the topic was recreated notices.
    await this.topics.fates(fresh);
    return { splits: fresh.map((p) => this.toSplit(p, start, stop)), initial };
  }

  private toSplit(
    p: TopicPartition,
    start: ReadonlyMap<string, number>,
    stop: ReadonlyMap<string, number> | undefined,
  ): KafkaPartitionSplit {
    const id = partitionSplitId(p.topic, p.partition);
    const startingOffset = start.get(id) ?? 0;
    const stoppingOffset = stop?.get(id);
    // A stop below the start (e.g. latest resolved before a later start) would never be reached.
    return kafkaPartitionSplit(
      p.topic,
      p.partition,
      startingOffset,
      stoppingOffset === undefined ? undefined : Math.max(stoppingOffset, startingOffset),
      this.topics.idOf(p.topic),
    );
  }

  /** On the loop: records the discovered splits and assigns them. */
  private onDiscovered(result: Discovered | undefined, error: unknown): void {
    if (error !== undefined || result === undefined) {
      if (!this.initialDiscoveryFinished) {
        this.ctx.failJob(error);
      } else {
        this.logger.warn(
          { err: toError(error) },
          'Kafka partition discovery failed; retried at the next interval',
        );
      }
      return;
    }
    for (const split of result.splits) {
      if (!this.assigned.has(split.splitId) && !this.pending.has(split.splitId)) {
        this.pending.set(split.splitId, split);
      }
    }
    if (result.initial) this.initialDiscoveryFinished = true;
    if (result.splits.length > 0) {
      this.logger.info(
        { partitions: result.splits.map((s) => s.splitId), initial: result.initial },
        'discovered Kafka partitions',
      );
    }
    this.assignPending();
    for (const subtask of this.ctx.registeredReaders().keys()) this.maybeSignalNoMoreSplits(subtask);
  }

  private assignPending(): void {
    if (this.pending.size === 0) return;
    const readers = this.ctx.registeredReaders();
    const parallelism = this.ctx.currentParallelism;
    const assignment = new Map<number, KafkaPartitionSplit[]>();
    for (const split of this.pending.values()) {
      const owner = splitOwner(split.topic, split.partition, parallelism);
      if (!readers.has(owner)) continue;
      const list = assignment.get(owner);
      if (list) list.push(split);
      else assignment.set(owner, [split]);
    }
    if (assignment.size === 0) return;
    for (const splits of assignment.values()) {
      for (const split of splits) {
        this.pending.delete(split.splitId);
        this.assigned.add(split.splitId);
      }
    }
    this.ctx.assignSplits(assignment);
  }

  private maybeSignalNoMoreSplits(subtaskId: number): void {
    if (!this.bounded || !this.initialDiscoveryFinished || this.signalledNoMore.has(subtaskId)) return;
    if (!this.ctx.registeredReaders().has(subtaskId)) return;
    const parallelism = this.ctx.currentParallelism;
    for (const split of this.pending.values()) {
      if (splitOwner(split.topic, split.partition, parallelism) === subtaskId) return;
    }
    this.signalledNoMore.add(subtaskId);
    this.ctx.signalNoMoreSplits(subtaskId);
  }
}
