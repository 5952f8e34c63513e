import {
  type ChangeRecord,
  type RecordEmitter,
  SingleSplitFetcherManager,
  type SourceEvent,
  type SourceOutput,
  SourceReaderBase,
  type SourceReaderContext,
} from '@tributary/core';
import type { BinlogClient } from '../binlog/binlog-client.js';
import type { BinlogOffset, BinlogPosition } from '../binlog/binlog-position.js';
import type { Row } from '../schema/value-converter.js';
import type { CdcElement } from './cdc-element.js';
import type { ResolvedMySqlCdcSourceOptions } from './mysql-cdc-source-options.js';
import {
  type FinishedChunk,
  finishedChunkOf,
  type MySqlCdcSplit,
  type SnapshotSplit,
} from './mysql-cdc-split.js';
import { MySqlCdcSplitReader } from './mysql-cdc-split-reader.js';

/** A split's mutable state: the chunk's high watermark once emitted, or the binlog offset. */
export interface MySqlCdcSplitState {
  readonly split: MySqlCdcSplit;
  highWatermark: BinlogPosition | undefined;
  offset: BinlogOffset | undefined;
  purged: boolean;
}

/** Events between the reader and the enumerator. */
export type MySqlCdcSourceEvent =
  | { readonly type: 'chunk-finished'; readonly splitId: string; readonly chunk: FinishedChunk }
  | { readonly type: 'binlog-purged' };

class CdcRecordEmitter implements RecordEmitter<CdcElement, ChangeRecord<Row>, MySqlCdcSplitState> {
  emitRecord(element: CdcElement, output: SourceOutput<ChangeRecord<Row>>, state: MySqlCdcSplitState): void {
    if (element.kind === 'purged') {
      state.purged = true;
      return;
    }
    for (const record of element.records) output.collect(record, record.source?.tsMs || undefined);
    if (element.kind === 'chunk') state.highWatermark = element.highWatermark;
    else state.offset = element.offset;
  }
}

/**
 * The reader of {@link MySqlCdcSource}: asks the enumerator for a chunk at a time, reports
 * each finished chunk's high watermark, and keeps finished chunks in its checkpoint until it
 * gets the binlog split, so a crash between "chunk emitted" and "enumerator knows" loses
 * nothing (the restored chunk finishes at once and is reported again).
 */
export class MySqlCdcSourceReader extends SourceReaderBase<
  CdcElement,
  ChangeRecord<Row>,
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
      () => new MySqlCdcSplitReader(options, newBinlogClient, options.serverIdStart + context.subtaskId),
      {},
      context.logger,
    );
    super(manager, new CdcRecordEmitter(), context, {});
  }

  override start(): void {
    this.context.sendSplitRequest();
  }

  override addSplits(splits: readonly MySqlCdcSplit[]): void {
    if (splits.some((s) => s.kind === 'binlog')) this.finishedChunks.clear();
    for (const split of splits)
      if (split.kind === 'snapshot' && split.highWatermark !== undefined)
        this.finishedChunks.set(split.splitId, split);
    super.addSplits(splits.filter((s) => !(s.kind === 'snapshot' && s.highWatermark !== undefined)));
    // Restored finished chunks: report them again (the enumerator ignores duplicates).
    for (const split of splits)
      if (split.kind === 'snapshot' && split.highWatermark !== undefined) this.report(split);
  }

  override snapshotState(checkpointId: number): MySqlCdcSplit[] {
    return [...super.snapshotState(checkpointId), ...this.finishedChunks.values()];
  }

  protected initializedState(split: MySqlCdcSplit): MySqlCdcSplitState {
    return {
      split,
      highWatermark: split.kind === 'snapshot' ? split.highWatermark : undefined,
      offset: split.kind === 'binlog' ? split.offset : undefined,
      purged: false,
    };
  }

  protected toSplitType(_splitId: string, state: MySqlCdcSplitState): MySqlCdcSplit {
    const { split } = state;
    if (split.kind === 'snapshot')
      return state.highWatermark === undefined ? split : { ...split, highWatermark: state.highWatermark };
    return { ...split, offset: state.offset ?? split.offset };
  }

  protected onSplitFinished(finished: ReadonlyMap<string, MySqlCdcSplitState>): void {
    for (const state of finished.values()) {
      if (state.purged) {
        this.send({ type: 'binlog-purged' });
        continue;
      }
      const split = this.toSplitType(state.split.splitId, state);
      if (split.kind !== 'snapshot' || split.highWatermark === undefined) continue;
      this.finishedChunks.set(split.splitId, split);
      this.report(split);
    }
    this.context.sendSplitRequest();
  }

  private report(split: SnapshotSplit): void {
    this.send({ type: 'chunk-finished', splitId: split.splitId, chunk: finishedChunkOf(split) });
  }

  private send(event: MySqlCdcSourceEvent): void {
    this.context.sendSourceEventToCoordinator(event as unknown as SourceEvent);
  }
}
