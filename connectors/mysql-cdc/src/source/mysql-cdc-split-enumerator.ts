import {
  emitPhaseMarker,
  type SourceEvent,
  type SplitEnumerator,
  type SplitEnumeratorContext,
  TributaryError,
} from '@tributary/core';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { type BinlogOffset, minPosition, offsetAt } from '../binlog/binlog-position.js';
import { MySqlCdcErrorCodes } from '../mysql-cdc-error-codes.js';
import { preflight } from '../preflight/preflight.js';
import { masterPosition } from '../snapshot/chunk-reader.js';
import { capturedTables, planTableChunks } from '../snapshot/snapshot-plan.js';
import type { ResolvedMySqlCdcSourceOptions } from './mysql-cdc-source-options.js';
import type { MySqlCdcSourceEvent } from './mysql-cdc-source-reader.js';
import {
  BINLOG_SPLIT_ID,
  type BinlogSplit,
  type FinishedChunk,
  type MySqlCdcSplit,
  type SnapshotSplit,
} from './mysql-cdc-split.js';
import { openConnection } from './mysql-connection.js';

/** The enumerator's checkpoint. */
export interface MySqlCdcEnumeratorState {
  /** Chunks not handed out yet (undefined: not planned yet). */
  readonly remaining: readonly SnapshotSplit[] | undefined;
  readonly totalChunks: number;
  /** Chunks read (their parts), by split id. */
  readonly finished: Readonly<Record<string, readonly FinishedChunk[]>>;
  /** The checkpoint that covered every chunk; once complete the binlog split may start. */
  readonly binlogAfterCheckpoint: number | undefined;
  readonly binlogAssigned: boolean;
  /** Binlog-only startup modes: where the binlog split starts. */
  readonly binlogStart: BinlogOffset | undefined;
  /** A binlog split given back by a failed reader, to hand out as is. */
  readonly binlogBack: BinlogSplit | undefined;
}

/**
 * Plans the snapshot chunks (after a preflight of the server), hands them out one at a time on
 * request, collects each chunk's high watermark, and — once a checkpoint covering every chunk
 * completed — creates the one binlog split starting at the smallest high watermark (Flink CDC
 * 2.0's assigner). `snapshot-only` ends after the chunks; the binlog-only modes start with the
 * binlog split.
 */
export class MySqlCdcSplitEnumerator implements SplitEnumerator<MySqlCdcSplit, MySqlCdcEnumeratorState> {
  private remaining: SnapshotSplit[] | undefined;
  private totalChunks: number;
  private finished: Map<string, readonly FinishedChunk[]>;
  private binlogAfterCheckpoint: number | undefined;
  private binlogReady: boolean;
  private binlogAssigned: boolean;
  private binlogStart: BinlogOffset | undefined;
  private binlogBack: BinlogSplit | undefined;
  private readonly waiting = new Set<number>();
  private planning = false;

  constructor(
    private readonly options: ResolvedMySqlCdcSourceOptions,
    private readonly ctx: SplitEnumeratorContext<MySqlCdcSplit>,
    restored?: MySqlCdcEnumeratorState,
  ) {
    this.remaining = restored?.remaining === undefined ? undefined : [...restored.remaining];
    this.totalChunks = restored?.totalChunks ?? 0;
    this.finished = new Map(Object.entries(restored?.finished ?? {}));
    this.binlogAfterCheckpoint = restored?.binlogAfterCheckpoint;
    // A restore is from a completed checkpoint: the one that covered every chunk completed.
    this.binlogReady = restored?.binlogAfterCheckpoint !== undefined;
    this.binlogAssigned = restored?.binlogAssigned ?? false;
    this.binlogStart = restored?.binlogStart;
    this.binlogBack = restored?.binlogBack;
    ctx.metricGroup.setUnassignedSplitsGauge(() => this.remaining?.length);
  }

  async start(): Promise<void> {
    if (this.remaining !== undefined || this.binlogStart !== undefined) return;
    await this.plan();
  }

  handleSplitRequest(subtaskId: number): void {
    this.waiting.add(subtaskId);
    this.assignPending();
  }

  addReader(): void {}

  addSplitsBack(splits: readonly MySqlCdcSplit[]): void {
    for (const split of splits) {
      if (split.kind === 'binlog') {
        this.binlogAssigned = false;
        this.binlogBack = split;
      } else if (split.finished === true) {
        this.finished.set(split.splitId, split.done ?? []);
      } else this.remaining = [split, ...(this.remaining ?? [])];
    }
  }

  handleSourceEvent(_subtaskId: number, sourceEvent: SourceEvent): void {
    const event = sourceEvent as unknown as MySqlCdcSourceEvent;
    if (event.type === 'chunk-finished') {
      this.finished.set(event.splitId, event.chunks);
    } else if (event.type === 'binlog-purged') {
      if (this.options.onPurged !== 're-snapshot') return;
      this.ctx.logger.warn('The binlog position was purged: starting a new snapshot (onPurged: re-snapshot)');
      this.remaining = undefined;
      this.finished.clear();
      this.totalChunks = 0;
      this.binlogAfterCheckpoint = undefined;
      this.binlogReady = false;
      this.binlogAssigned = false;
      this.binlogBack = undefined;
      this.binlogStart = undefined;
      this.ctx.callAsync(
        () => this.plan(true),
        (_r, error) => {
          if (error !== undefined) this.ctx.failJob(error);
          else this.assignPending();
        },
      );
    }
  }

  snapshotState(checkpointId: number): MySqlCdcEnumeratorState {
    if (
      this.snapshotDone() &&
      this.binlogAfterCheckpoint === undefined &&
      this.options.startupMode !== 'snapshot-only'
    ) {
      this.binlogAfterCheckpoint = checkpointId;
      // Crash tests kill here: the checkpoint that completes the snapshot is being taken.
      void emitPhaseMarker('cdc-snapshot-done', checkpointId);
    }
    return {
      remaining: this.remaining === undefined ? undefined : [...this.remaining],
      totalChunks: this.totalChunks,
      finished: Object.fromEntries(this.finished),
      binlogAfterCheckpoint: this.binlogAfterCheckpoint,
      binlogAssigned: this.binlogAssigned,
      binlogStart: this.binlogStart,
      binlogBack: this.binlogBack,
    };
  }

  notifyCheckpointComplete(checkpointId: number): void {
    if (
      this.binlogAfterCheckpoint !== undefined &&
      checkpointId >= this.binlogAfterCheckpoint &&
      !this.binlogReady
    ) {
      this.binlogReady = true;
      this.assignPending();
    }
  }

  /**
   * Where the snapshot ended, for a hybrid source's next part: the binlog split that would
   * follow it (start at the smallest high watermark, filter by every chunk's watermark).
   */
  endPosition(): BinlogSplit | undefined {
    return this.binlogSplit();
  }

  async close(): Promise<void> {}

  private snapshotDone(): boolean {
    return (
      this.remaining !== undefined && this.remaining.length === 0 && this.finished.size >= this.totalChunks
    );
  }

  private binlogSplit(): BinlogSplit | undefined {
    if (this.binlogBack !== undefined) return this.binlogBack;
    const notBeforeMs =
      this.options.startupMode === 'timestamp' ? this.options.startupTimestampMs : undefined;
    if (this.binlogStart !== undefined)
      return {
        kind: 'binlog',
        splitId: BINLOG_SPLIT_ID,
        offset: this.binlogStart,
        chunks: [],
        ...(notBeforeMs === undefined ? {} : { notBeforeMs }),
      };
    const chunks = [...this.finished.values()].flat();
    const start = minPosition(chunks.map((c) => c.highWatermark));
    if (start === undefined) return undefined;
    // The snapshotted tables: a restore snapshots tables the patterns match beyond these.
    const tables = [...new Set(chunks.map((c) => `${c.db}.${c.table}`))].sort();
    return { kind: 'binlog', splitId: BINLOG_SPLIT_ID, offset: offsetAt(start), chunks, tables };
  }

  private assignPending(): void {
    if (this.planning || (this.remaining === undefined && this.binlogStart === undefined)) return;
    for (const subtask of [...this.waiting].sort((a, b) => a - b)) {
      if (!this.ctx.registeredReaders().has(subtask)) continue;
      const chunk = this.remaining?.shift();
      if (chunk !== undefined) {
        this.waiting.delete(subtask);
        this.ctx.assignSplit(chunk, subtask);
        continue;
      }
      if (this.options.startupMode === 'snapshot-only') {
        this.waiting.delete(subtask);
        this.ctx.signalNoMoreSplits(subtask);
        continue;
      }
      const binlogReady = this.binlogStart !== undefined || this.binlogReady || this.binlogBack !== undefined;
      if (!binlogReady) continue;
      if (!this.binlogAssigned) {
        const split = this.binlogSplit();
        if (split === undefined) continue;
        this.binlogAssigned = true;
        this.binlogBack = undefined;
        this.waiting.delete(subtask);
        this.ctx.assignSplit(split, subtask);
        // Crash tests kill here: the switch is durable, no binlog change is checkpointed yet.
        void emitPhaseMarker('cdc-binlog-assigned', this.binlogAfterCheckpoint ?? 0);
        continue;
      }
      // With re-snapshot a reader may need chunks again after a purge: it stays (idle) instead.
      if (this.options.onPurged === 're-snapshot') continue;
      this.waiting.delete(subtask);
      this.ctx.signalNoMoreSplits(subtask);
    }
  }

  /** Plans the chunks (snapshot modes, or `resnapshot` after a purge) or the binlog start. */
  private async plan(resnapshot = false): Promise<void> {
    this.planning = true;
    let connection: Connection | undefined;
    try {
      connection = await openConnection(this.options);
      const ids = Array.from(
        { length: Math.max(1, this.ctx.currentParallelism) },
        (_, i) => this.options.serverIdStart + i,
      );
      await preflight(connection, ids);
      const mode = this.options.startupMode;
      if (resnapshot || mode === 'initial' || mode === 'snapshot-only') {
        this.remaining = await this.planSnapshot(connection);
        this.totalChunks = this.remaining.length;
      } else if (mode === 'latest') this.binlogStart = offsetAt(await masterPosition(connection));
      else if (mode === 'specific-offset' && this.options.startupOffset !== undefined)
        this.binlogStart = offsetAt(this.options.startupOffset);
      else this.binlogStart = offsetAt(await earliestPosition(connection));
    } finally {
      this.planning = false;
      await connection?.end().catch(() => {});
    }
    this.assignPending();
  }

  private async planSnapshot(connection: Connection): Promise<SnapshotSplit[]> {
    return planTableChunks(connection, this.options, await capturedTables(connection, this.options));
  }
}

async function earliestPosition(connection: Connection) {
  const [rows] = await connection.query<RowDataPacket[]>('SHOW BINARY LOGS');
  const first = rows[0];
  if (first === undefined)
    throw new TributaryError(
      MySqlCdcErrorCodes.PREFLIGHT_FAILED,
      'SHOW BINARY LOGS is empty: the binlog is off',
    );
  return { file: String(first.Log_name), pos: 4 };
}
