import {
  type BatchRecordEmitter,
  type ChangeRecord,
  SingleSplitFetcherManager,
  type SourceEvent,
  type SourceOutput,
  SourceReaderBase,
  type SourceReaderContext,
} from '@tributary/core';
import type { BinlogClient } from '../binlog/binlog-client.js';
import type { BinlogOffset } from '../binlog/binlog-position.js';
import type { Row } from '../schema/value-converter.js';
import type { CdcElement } from './cdc-element.js';
import type { ResolvedMySqlCdcSourceOptions } from './mysql-cdc-source-options.js';
import type { FinishedChunk, MySqlCdcSplit, SnapshotSplit } from './mysql-cdc-split.js';
import { MySqlCdcSplitReader } from './mysql-cdc-split-reader.js';
import { finishedChunkOf } from './new-table-snapshot.js';
import type { CdcRecord } from './schema-change-event.js';

/** A split's mutable state: where the unread rest of a chunk starts, and its done parts; or the binlog offset. */
export interface MySqlCdcSplitState {
  readonly split: MySqlCdcSplit;
  start: string | undefined;
  done: FinishedChunk[];
  finished: boolean;
  offset: BinlogOffset | undefined;
  purged: boolean;
  /** Binlog split: its chunk filter, known tables and unread chunks of newly added tables. */
  binlog: BinlogTables | undefined;
}

interface BinlogTables {
  chunks: FinishedChunk[];
  tables: string[] | undefined;
  newTableChunks: SnapshotSplit[] | undefined;
}

/** Events between the reader and the enumerator. */
export type MySqlCdcSourceEvent =
  | { readonly type: 'chunk-finished'; readonly splitId: string; readonly chunks: readonly FinishedChunk[] }
  | { readonly type: 'binlog-purged' };

/**
 * Emits chunks by chunk-key group (the reader's budget counts groups) and binlog rows as one
 * unit each; the split state moves exactly to what was emitted.
 */
class CdcRecordEmitter implements BatchRecordEmitter<CdcElement, CdcRecord, MySqlCdcSplitState> {
  recordCount(element: CdcElement): number {
    return element.kind === 'chunk' ? element.groupStarts.length : element.kind === 'purged' ? 0 : 1;
  }

  emitRecord(element: CdcElement, output: SourceOutput<CdcRecord>, state: MySqlCdcSplitState): void {
    this.emitRecords(element, 0, this.recordCount(element), output, state);
  }

  emitRecords(
    element: CdcElement,
    from: number,
    to: number,
    output: SourceOutput<CdcRecord>,
    state: MySqlCdcSplitState,
  ): void {
    if (element.kind === 'purged') {
      state.purged = true;
      return;
    }
    if (element.kind === 'change') {
      for (const record of element.records) output.collect(record, record.source?.tsMs || undefined);
      state.offset = element.offset;
      const binlog = state.binlog as BinlogTables;
      // Streaming: newly added tables are all read; a later restore looks for new ones again.
      binlog.newTableChunks = undefined;
      if (element.addTables !== undefined) binlog.tables?.push(...element.addTables);
      return;
    }
    if (element.kind === 'new-tables') {
      const binlog = state.binlog as BinlogTables;
      binlog.tables = [...(binlog.tables ?? []), ...element.tables];
      binlog.newTableChunks = [...element.chunks];
      return;
    }
    if (element.kind === 'table-chunk') {
      for (const record of element.snapshot.records) output.collect(record);
      const binlog = state.binlog as BinlogTables;
      const { chunk } = element;
      binlog.chunks.push(finishedChunkOf(chunk, element.snapshot.highWatermark));
      binlog.newTableChunks = binlog.newTableChunks?.filter((c) => c.splitId !== chunk.splitId);
      return;
    }
    const { records, groupStarts } = element;
    const first = groupStarts[from] ?? records.length;
    const last = to < groupStarts.length ? (groupStarts[to] as number) : records.length;
    for (let i = first; i < last; i++) output.collect(records[i] as ChangeRecord<Row>);
    const split = state.split as SnapshotSplit;
    const cut =
      to < groupStarts.length
        ? String((records[last]?.after as Record<string, unknown> | undefined)?.[split.chunkKey])
        : undefined;
    addDone(state, split, cut ?? split.end, element.highWatermark);
    state.start = cut;
    if (cut === undefined) state.finished = true;
  }
}

/** Records `[state.start, end)` as done at `highWatermark`, merged into the previous part when it has the same watermark. */
function addDone(
  state: MySqlCdcSplitState,
  split: SnapshotSplit,
  end: string | undefined,
  highWatermark: FinishedChunk['highWatermark'],
): void {
  const previous = state.done[state.done.length - 1];
  if (
    previous !== undefined &&
    previous.end === state.start &&
    previous.highWatermark.file === highWatermark.file &&
    previous.highWatermark.pos === highWatermark.pos
  ) {
    const { end: _end, ...rest } = previous;
    state.done[state.done.length - 1] = { ...rest, ...(end === undefined ? {} : { end }) };
    return;
  }
  state.done.push({
    db: split.db,
    table: split.table,
    chunkKey: split.chunkKey,
    ...(state.start === undefined ? {} : { start: state.start }),
    ...(end === undefined ? {} : { end }),
    highWatermark,
  });
}

/**
 * The reader of {@link MySqlCdcSource}: asks the enumerator for a chunk at a time, reports
 * each finished chunk's high watermark, and keeps finished chunks in its checkpoint until it
 * gets the binlog split, so a crash between "chunk emitted" and "enumerator knows" loses
 * nothing (the restored chunk finishes at once and is reported again).
 */
export class MySqlCdcSourceReader extends SourceReaderBase<
  CdcElement,
  CdcRecord,
  MySqlCdcSplit,
  MySqlCdcSplitState
> {
  private readonly finishedChunks = new Map<string, SnapshotSplit>();

  constructor(
    options: ResolvedMySqlCdcSourceOptions,
    newBinlogClient: () => BinlogClient,
    context: SourceReaderContext,
  ) {
    const manager = new SingleSplitFetcherManager<CdcElement, MySqlCdcSplit>(
      () =>
        new MySqlCdcSplitReader(
          options,
          newBinlogClient,
          options.serverIdStart + context.subtaskId,
          context.metricGroup,
        ),
      {},
      context.logger,
    );
    super(manager, new CdcRecordEmitter(), context, options);
  }

  override start(): void {
    this.context.sendSplitRequest();
  }

  override addSplits(splits: readonly MySqlCdcSplit[]): void {
    if (splits.some((s) => s.kind === 'binlog')) this.finishedChunks.clear();
    const isFinished = (s: MySqlCdcSplit) => s.kind === 'snapshot' && s.finished === true;
    super.addSplits(splits.filter((s) => !isFinished(s)));
    // Restored finished chunks: kept and reported again (the enumerator ignores duplicates).
    for (const split of splits)
      if (split.kind === 'snapshot' && split.finished === true) {
        this.finishedChunks.set(split.splitId, split);
        this.report(split);
      }
  }

  override snapshotState(checkpointId: number): MySqlCdcSplit[] {
    return [...super.snapshotState(checkpointId), ...this.finishedChunks.values()];
  }

  protected initializedState(split: MySqlCdcSplit): MySqlCdcSplitState {
    const snapshot = split.kind === 'snapshot';
    return {
      split,
      start: snapshot ? split.start : undefined,
      done: snapshot ? [...(split.done ?? [])] : [],
      finished: snapshot ? split.finished === true : false,
      offset: split.kind === 'binlog' ? split.offset : undefined,
      purged: false,
      binlog:
        split.kind === 'binlog'
          ? {
              chunks: [...split.chunks],
              tables: split.tables === undefined ? undefined : [...split.tables],
              newTableChunks: split.newTableChunks === undefined ? undefined : [...split.newTableChunks],
            }
          : undefined,
    };
  }

  protected toSplitType(_splitId: string, state: MySqlCdcSplitState): MySqlCdcSplit {
    const { split } = state;
    if (split.kind === 'binlog') {
      const { tables: _t, newTableChunks: _n, ...rest } = split;
      const binlog = state.binlog as BinlogTables;
      return {
        ...rest,
        offset: state.offset ?? split.offset,
        chunks: [...binlog.chunks],
        ...(binlog.tables === undefined ? {} : { tables: [...binlog.tables] }),
        ...(binlog.newTableChunks === undefined ? {} : { newTableChunks: [...binlog.newTableChunks] }),
      };
    }
    const { start: _start, ...rest } = split;
    return {
      ...rest,
      ...(state.start === undefined ? {} : { start: state.start }),
      done: [...state.done],
      ...(state.finished ? { finished: true } : {}),
    };
  }

  protected onSplitFinished(finished: ReadonlyMap<string, MySqlCdcSplitState>): void {
    for (const state of finished.values()) {
      if (state.purged) {
        this.send({ type: 'binlog-purged' });
        continue;
      }
      const split = this.toSplitType(state.split.splitId, state);
      if (split.kind !== 'snapshot' || split.finished !== true) continue;
      this.finishedChunks.set(split.splitId, split);
      this.report(split);
    }
    this.context.sendSplitRequest();
  }

  private report(split: SnapshotSplit): void {
    this.send({ type: 'chunk-finished', splitId: split.splitId, chunks: split.done ?? [] });
  }

  private send(event: MySqlCdcSourceEvent): void {
    this.context.sendSourceEventToCoordinator(event as unknown as SourceEvent);
  }
}
