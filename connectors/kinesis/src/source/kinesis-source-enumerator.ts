import type { KinesisClient } from '@aws-sdk/client-kinesis';
import {
  jsonSerializer,
  type Logger,
  type SplitEnumerator,
  type SplitEnumeratorContext,
  toError,
  type VersionedSerializer,
} from '@tributary/core';
import { listShards, type StreamTarget, streamLabel } from './kinesis-shard-discoverer.js';
import type { KinesisShardSplit, ShardPosition } from './kinesis-shard-split.js';
import {
  type KinesisSourceEvents,
  SHARDS_FINISHED_ACK_EVENT,
  SHARDS_FINISHED_EVENT,
} from './kinesis-source-events.js';
import type { ResolvedKinesisSourceOptions } from './kinesis-source-options.js';
import { parentsFinished, type ShardInfo, shardInfo, shardOwner } from './shard-lineage.js';

/** The enumerator's checkpoint. */
export interface KinesisSourceEnumState {
  /** Shards read to their end, pruned to shards still listed (a trimmed shard cannot come back). */
  readonly finishedShards: readonly string[];
  /** Shards handed to readers (their positions live in the readers' state). */
  readonly assignedShards: readonly string[];
  /** Whether the first listing ran: shards found later start at their first record. */
  readonly initialDiscoveryFinished: boolean;
  /** The first listing's time: what `latest` start and stop resolve to (stable across restarts). */
  readonly startedAt: number;
}

/** Serializer of {@link KinesisSourceEnumState} (JSON, version 1). */
export const kinesisSourceEnumStateSerializer: VersionedSerializer<KinesisSourceEnumState> =
  jsonSerializer<KinesisSourceEnumState>({ name: 'KinesisSourceEnumState' });

/** What a bounded Kinesis source hands to the next source of a `HybridSource`. */
export interface KinesisEndPosition {
  readonly stream: string;
  /** Records that arrived after this (ms since the epoch) were not read. */
  readonly stopAtTimestamp: number;
}

/**
 * Lists shards, and assigns a shard to its owner reader (by hash key range) only once all its
 * parents were read to their end — so per-partition-key order holds across splits and merges.
 * Readers report ended shards with a {@link SHARDS_FINISHED_EVENT}; that triggers a listing, so
 * children start without waiting for the interval. A bounded source signals "no more splits"
 * once every listed shard has ended.
 */
export class KinesisSourceEnumerator
  implements SplitEnumerator<KinesisShardSplit, KinesisSourceEnumState, KinesisSourceEvents>
{
  private readonly finished: Set<string>;
  private readonly assigned: Set<string>;
  private readonly pending = new Map<string, KinesisShardSplit>();
  private listed = new Map<string, ShardInfo>();
  private initialDiscoveryFinished: boolean;
  private readonly startedAt: number;
  private readonly logger: Logger;
  private discovering = false;
  private discoverAgain = false;
  private noMoreSignalled = false;

  constructor(
    private readonly ctx: SplitEnumeratorContext<KinesisShardSplit, KinesisSourceEvents>,
    private readonly options: ResolvedKinesisSourceOptions,
    private readonly client: KinesisClient,
    private readonly target: StreamTarget,
    private readonly bounded: boolean,
    restored: KinesisSourceEnumState | undefined,
  ) {
    this.finished = new Set(restored?.finishedShards ?? []);
    this.assigned = new Set(restored?.assignedShards ?? []);
    this.initialDiscoveryFinished = restored?.initialDiscoveryFinished ?? false;
    this.startedAt = restored?.startedAt ?? Date.now();
    this.logger = ctx.logger.child({ component: 'kinesis-enumerator', stream: streamLabel(target) });
    ctx.metricGroup.setUnassignedSplitsGauge(() => this.pending.size);
  }

  start(): void {
    this.discover();
    const interval = this.options.shardDiscoveryIntervalMs;
    if (interval > 0) {
      this.ctx.callAsync(
        async () => undefined,
        () => this.discover(),
        { initialDelayMs: interval, periodMs: interval },
      );
    }
  }

  handleSplitRequest(): void {
    // Push-based: shards are assigned on discovery and when their parents end.
  }

  addSplitsBack(splits: readonly KinesisShardSplit[]): void {
    for (const split of splits) {
      this.assigned.delete(split.shardId);
      this.pending.set(split.shardId, split);
    }
    this.assignPending();
  }

  addReader(): void {
    this.assignPending();
    this.maybeSignalNoMoreSplits();
  }

  handleSourceEvent(subtaskId: number, event: KinesisSourceEvents['toEnumerator']): void {
    if (event.type !== SHARDS_FINISHED_EVENT) return;
    const { shardIds } = event;
    for (const id of shardIds) {
      this.finished.add(id);
      this.assigned.delete(id);
      this.pending.delete(id);
    }
    this.ctx.sendEventToSourceReader(subtaskId, { type: SHARDS_FINISHED_ACK_EVENT, shardIds });
    this.assignPending();
    this.discover();
  }

  snapshotState(): KinesisSourceEnumState {
    return {
      finishedShards: [...this.finished],
      assignedShards: [...this.assigned],
      initialDiscoveryFinished: this.initialDiscoveryFinished,
      startedAt: this.startedAt,
    };
  }

  endPosition(): KinesisEndPosition | undefined {
    const stop = this.stopAtTimestamp();
    return stop === undefined ? undefined : { stream: streamLabel(this.target), stopAtTimestamp: stop };
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  /** Runs a listing off the loop; one at a time, a request meanwhile runs one more afterwards. */
  private discover(): void {
    if (this.discovering) {
      this.discoverAgain = true;
      return;
    }
    this.discovering = true;
    this.ctx.callAsync(
      () => listShards(this.client, this.target),
      (shards, error) => {
        this.discovering = false;
        this.onListed(shards?.map(shardInfo), error);
        if (this.discoverAgain) {
          this.discoverAgain = false;
          this.discover();
        }
      },
    );
  }

  private onListed(shards: ShardInfo[] | undefined, error: unknown): void {
    if (error !== undefined || shards === undefined) {
      if (!this.initialDiscoveryFinished) this.ctx.failJob(error);
      else
        this.logger.warn(
          { err: toError(error) },
          'Kinesis shard listing failed; retried at the next interval',
        );
      return;
    }
    this.listed = new Map(shards.map((s) => [s.shardId, s]));
    // Finished shards trimmed from the stream can never be listed again: forget them.
    for (const id of this.finished) if (!this.listed.has(id)) this.finished.delete(id);
    const initial = !this.initialDiscoveryFinished;
    const fresh: string[] = [];
    for (const shard of shards) {
      const id = shard.shardId;
      if (this.finished.has(id) || this.assigned.has(id) || this.pending.has(id)) continue;
      this.pending.set(id, this.toSplit(shard, initial));
      fresh.push(id);
    }
    this.initialDiscoveryFinished = true;
    if (fresh.length > 0) this.logger.info({ shards: fresh, initial }, 'discovered Kinesis shards');
    this.assignPending();
    this.maybeSignalNoMoreSplits();
  }

  private toSplit(shard: ShardInfo, initial: boolean): KinesisShardSplit {
    const stop = this.stopAtTimestamp();
    return {
      splitId: shard.shardId,
      shardId: shard.shardId,
      parentShardIds: shard.parentShardIds,
      startingHashKey: shard.startingHashKey,
      endingHashKey: shard.endingHashKey,
      position: initial ? this.initialPosition() : { type: 'trim-horizon' },
      ...(stop === undefined ? {} : { stopAtTimestamp: stop }),
    };
  }

  private initialPosition(): ShardPosition {
    const start = this.options.startingPosition;
    if (start === 'trim-horizon') return { type: 'trim-horizon' };
    // `latest` is pinned to the job's start, so a restart before the first checkpoint agrees.
    if (start === 'latest') return { type: 'at-timestamp', timestamp: this.startedAt };
    return { type: 'at-timestamp', timestamp: start.timestamp };
  }

  private stopAtTimestamp(): number | undefined {
    const stop = this.options.stoppingPosition;
    if (stop === 'never') return undefined;
    return stop === 'latest' ? this.startedAt : stop.timestamp;
  }

  /** Hands every pending shard whose parents ended to its owner, if that reader is registered. */
  private assignPending(): void {
    if (this.pending.size === 0) return;
    const readers = this.ctx.registeredReaders();
    const parallelism = this.ctx.currentParallelism;
    const assignment = new Map<number, KinesisShardSplit[]>();
    for (const split of this.pending.values()) {
      const info = this.listed.get(split.shardId) ?? split;
      if (!parentsFinished(info, this.finished, this.listed)) continue;
      const owner = shardOwner(split, parallelism);
      if (!readers.has(owner)) continue;
      const list = assignment.get(owner);
      if (list) list.push(split);
      else assignment.set(owner, [split]);
    }
    if (assignment.size === 0) return;
    for (const splits of assignment.values()) {
      for (const split of splits) {
        this.pending.delete(split.shardId);
        this.assigned.add(split.shardId);
      }
    }
    this.ctx.assignSplits(assignment);
  }

  /** Bounded: once every listed shard ended, every reader is told there is nothing more. */
  private maybeSignalNoMoreSplits(): void {
    if (!this.bounded || !this.initialDiscoveryFinished || this.noMoreSignalled) return;
    if (this.pending.size > 0 || this.assigned.size > 0) return;
    for (const id of this.listed.keys()) if (!this.finished.has(id)) return;
    const readers = this.ctx.registeredReaders();
    if (readers.size < this.ctx.currentParallelism) return;
    this.noMoreSignalled = true;
    for (const subtask of readers.keys()) this.ctx.signalNoMoreSplits(subtask);
  }
}
