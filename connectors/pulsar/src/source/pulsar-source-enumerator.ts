import {
  jsonSerializer,
  type Logger,
  type SourceEvent,
  type SplitEnumerator,
  type SplitEnumeratorContext,
  toError,
  type VersionedSerializer,
} from '@tributary/core';
import { type PulsarClient, partitionIndexOf } from '@tributary/pulsar-client';
import type { PulsarEndPosition } from './pulsar-end-position.js';
import { type PulsarPartitionSplit, pulsarSplitId } from './pulsar-partition-split.js';
import type { PulsarPositionResolver, ResolvedRange } from './pulsar-position-resolver.js';
import type { SplitStop } from './pulsar-positions.js';
import { RESTORED_EVENT, SUBSCRIBE_EVENT } from './pulsar-source-events.js';
import type { PulsarTopicDiscoverer } from './pulsar-topic-discoverer.js';

/** The enumerator's checkpoint. */
export interface PulsarSourceEnumState {
  /** Split ids handed to readers (their positions live in the readers' state). */
  readonly assignedSplits: readonly string[];
  /** Discovered splits not yet handed to a reader. */
  readonly pendingSplits: readonly PulsarPartitionSplit[];
  /** Partitions known so far (Shared/Key_Shared make a split per partition and reader slot). */
  readonly partitions: readonly string[];
  /** Whether the first discovery ran: partitions found later start at the earliest message. */
  readonly initialDiscoveryFinished: boolean;
  /** Bounded: the resolved stop of each partition (the end position). */
  readonly stops?: Readonly<Record<string, SplitStop>>;
}

/** Serializer of {@link PulsarSourceEnumState} (JSON, version 1). */
export const pulsarSourceEnumStateSerializer: VersionedSerializer<PulsarSourceEnumState> =
  jsonSerializer<PulsarSourceEnumState>({ name: 'PulsarSourceEnumState' });

/**
 * The reader that owns an Exclusive/Failover split: partitions of one topic spread round-robin
 * from a start that depends on the topic, stable for a given parallelism. Shared/Key_Shared
 * splits belong to their slot.
 */
export function pulsarSplitOwner(split: PulsarPartitionSplit, parallelism: number): number {
  if (split.slot !== undefined) return split.slot % parallelism;
  const topic = split.topic.replace(/-partition-\d+$/, '');
  let hash = 0;
  for (let i = 0; i < topic.length; i++) hash = (Math.imul(hash, 31) + topic.charCodeAt(i)) | 0;
  return ((hash & 0x7fffffff) + Math.max(0, partitionIndexOf(split.topic))) % parallelism;
}

interface Discovered {
  readonly ranges: ReadonlyMap<string, ResolvedRange>;
  readonly initial: boolean;
}

/** How the enumerator reaches Pulsar (injected, so unit tests run without a broker). */
export interface PulsarEnumeratorServices {
  readonly client: Pick<PulsarClient, 'close'>;
  readonly discoverer: Pick<PulsarTopicDiscoverer, 'discover'>;
  readonly resolver: Pick<PulsarPositionResolver, 'resolve'>;
}

/**
 * Discovers partitions, resolves their start and stop positions and assigns splits to readers
 * (push-based, like Flink's `PulsarSourceEnumerator`). Exclusive/Failover: one split per
 * partition, owned by one reader for good. Shared/Key_Shared: one split per partition and reader
 * slot, so every reader consumes every partition; a reader that registers later (rescale up)
 * gets its slot's splits then.
 *
 * Discovery runs through `ctx.callAsync`; results are applied on the enumerator's loop. Bounded
 * sources discover once and then tell each reader there are no more splits.
 */
export class PulsarSourceEnumerator implements SplitEnumerator<PulsarPartitionSplit, PulsarSourceEnumState> {
  private readonly assigned: Set<string>;
  private readonly pending = new Map<string, PulsarPartitionSplit>();
  private readonly partitions: Set<string>;
  private readonly stops: Record<string, SplitStop>;
  private initialDiscoveryFinished: boolean;
  private readonly signalledNoMore = new Set<number>();
  /** Shared/Key_Shared: readers that ended their restored transactions (this attempt). */
  private readonly restoredReaders = new Set<number>();
  private subscriptionsAllowed = false;
  private readonly logger: Logger;

  constructor(
    private readonly ctx: SplitEnumeratorContext<PulsarPartitionSplit>,
    private readonly services: PulsarEnumeratorServices,
    private readonly settings: {
      readonly shared: boolean;
      readonly bounded: boolean;
      readonly discoveryIntervalMs: number;
    },
    restored: PulsarSourceEnumState | undefined,
  ) {
    this.assigned = new Set(restored?.assignedSplits ?? []);
    for (const split of restored?.pendingSplits ?? []) this.pending.set(split.splitId, split);
    this.partitions = new Set(restored?.partitions ?? []);
    this.stops = { ...restored?.stops };
    this.initialDiscoveryFinished = restored?.initialDiscoveryFinished ?? false;
    this.logger = ctx.logger.child({ component: 'pulsar-enumerator' });
    ctx.metricGroup.setUnassignedSplitsGauge(() =>
      this.initialDiscoveryFinished ? this.pending.size : undefined,
    );
  }

  start(): void {
    if (this.settings.bounded && this.initialDiscoveryFinished) {
      this.assignPending();
      return;
    }
    const interval = this.settings.discoveryIntervalMs;
    this.ctx.callAsync(
      () => this.discover(),
      (result, error) => this.onDiscovered(result, error),
      !this.settings.bounded && interval > 0 ? { periodMs: interval } : undefined,
    );
  }

  handleSplitRequest(): void {
    // Push-based: splits are assigned on discovery and registration, never on request.
  }

  addSplitsBack(splits: readonly PulsarPartitionSplit[]): void {
    for (const split of splits) {
      this.assigned.delete(split.splitId);
      this.pending.set(split.splitId, split);
    }
    this.assignPending();
  }

  addReader(subtaskId: number): void {
    if (this.settings.shared && this.subscriptionsAllowed) {
      this.ctx.sendEventToSourceReader(subtaskId, { type: SUBSCRIBE_EVENT });
    }
    if (this.settings.shared && this.initialDiscoveryFinished) this.addSlot(subtaskId);
    this.assignPending();
    this.maybeSignalNoMoreSplits(subtaskId);
  }

  /**
   * Shared/Key_Shared: once every reader ended its restored transactions, all may subscribe — a
   * reader subscribing earlier could take newer messages of a key while older ones still wait in
   * a transaction another reader is about to abort.
   */
  handleSourceEvent(subtaskId: number, event: SourceEvent): void {
    if (event.type !== RESTORED_EVENT || !this.settings.shared) return;
    this.restoredReaders.add(subtaskId);
    if (this.subscriptionsAllowed || this.restoredReaders.size < this.ctx.currentParallelism) return;
    this.subscriptionsAllowed = true;
    for (const reader of this.ctx.registeredReaders().keys()) {
      this.ctx.sendEventToSourceReader(reader, { type: SUBSCRIBE_EVENT });
    }
  }

  snapshotState(): PulsarSourceEnumState {
    return {
      assignedSplits: [...this.assigned],
      pendingSplits: [...this.pending.values()],
      partitions: [...this.partitions],
      initialDiscoveryFinished: this.initialDiscoveryFinished,
      stops: { ...this.stops },
    };
  }

  /** Bounded: where every partition stopped, for the next source of a hybrid source. */
  endPosition(): PulsarEndPosition {
    return { stops: { ...this.stops } };
  }

  async close(): Promise<void> {
    await this.services.client.close();
  }

  /** Off the loop: finds partitions not known yet and resolves their positions. */
  private async discover(): Promise<Discovered> {
    const initial = !this.initialDiscoveryFinished;
    const fresh = (await this.services.discoverer.discover()).filter((p) => !this.partitions.has(p));
    if (fresh.length === 0) return { ranges: new Map(), initial };
    return { ranges: await this.services.resolver.resolve(fresh, initial), initial };
  }

  /** On the loop: records the new partitions' splits and assigns them. */
  private onDiscovered(result: Discovered | undefined, error: unknown): void {
    if (error !== undefined || result === undefined) {
      if (!this.initialDiscoveryFinished) this.ctx.failJob(error);
      else
        this.logger.warn(
          { err: toError(error) },
          'Pulsar partition discovery failed; retried at the next interval',
        );
      return;
    }
    for (const [topic, range] of result.ranges) {
      if (this.partitions.has(topic)) continue;
      this.partitions.add(topic);
      if (range.stop !== undefined) this.stops[topic] = range.stop;
      for (const split of this.splitsOf(topic, range)) {
        if (!this.assigned.has(split.splitId)) this.pending.set(split.splitId, split);
      }
    }
    if (result.initial) this.initialDiscoveryFinished = true;
    if (result.ranges.size > 0) {
      this.logger.info(
        { partitions: [...result.ranges.keys()], initial: result.initial },
        'discovered Pulsar partitions',
      );
    }
    this.assignPending();
    for (const subtask of this.ctx.registeredReaders().keys()) this.maybeSignalNoMoreSplits(subtask);
  }

  /** Exclusive/Failover: the partition; Shared/Key_Shared: one split per current reader slot. */
  private splitsOf(topic: string, range: ResolvedRange): PulsarPartitionSplit[] {
    const base = { topic, start: range.start, ...(range.stop === undefined ? {} : { stop: range.stop }) };
    if (!this.settings.shared) return [{ splitId: pulsarSplitId(topic), ...base }];
    return Array.from({ length: this.ctx.currentParallelism }, (_, slot) => ({
      splitId: pulsarSplitId(topic, slot),
      ...base,
      slot,
    }));
  }

  /** Shared/Key_Shared: a reader slot without splits (rescaled up) gets one per known partition. */
  private addSlot(slot: number): void {
    for (const topic of this.partitions) {
      const splitId = pulsarSplitId(topic, slot);
      if (this.assigned.has(splitId) || this.pending.has(splitId)) continue;
      this.pending.set(splitId, { splitId, topic, start: { kind: 'earliest' }, slot });
    }
  }

  private assignPending(): void {
    if (this.pending.size === 0) return;
    const readers = this.ctx.registeredReaders();
    const parallelism = this.ctx.currentParallelism;
    const assignment = new Map<number, PulsarPartitionSplit[]>();
    for (const split of this.pending.values()) {
      const owner = pulsarSplitOwner(split, parallelism);
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
    if (!this.settings.bounded || !this.initialDiscoveryFinished || this.signalledNoMore.has(subtaskId))
      return;
    if (!this.ctx.registeredReaders().has(subtaskId)) return;
    const parallelism = this.ctx.currentParallelism;
    for (const split of this.pending.values()) {
      if (pulsarSplitOwner(split, parallelism) === subtaskId) return;
    }
    this.signalledNoMore.add(subtaskId);
    this.ctx.signalNoMoreSplits(subtaskId);
  }
}
