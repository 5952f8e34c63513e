import type { SourceOutput } from '../../../api/source.js';
import type { BatchRecordEmitter } from '../record-emitter.js';
import { RecordsBySplits, type RecordsWithSplitIds } from '../records-with-split-ids.js';
import { SourceReaderBase } from '../source-reader-base.js';
import type { SplitReader, SplitsChange } from '../split-reader.js';
import type { FakeLog } from './fake-log.js';
import { type LogRecord, type LogSplit, LogSplitReader, type LogSplitState } from './log-connector.js';

/**
 * The example log connector with batch elements (docs/connector-base.md, "Batch elements"; its
 * `#region` is quoted there verbatim and docs-example.test.ts keeps it in sync): each fetched
 * split's records are handed over as a few big batches, like file chunks.
 */

// #region batch-emitter
/** A batch of consecutive log records, fetched as one element (like a file chunk). */
export type LogBatch = readonly LogRecord[];

/** Emits a range of a batch, then moves the split's position to just after its last record. */
export class LogBatchEmitter implements BatchRecordEmitter<LogBatch, number, LogSplitState> {
  recordCount(batch: LogBatch): number {
    return batch.length;
  }

  emitRecord(batch: LogBatch, output: SourceOutput<number>, splitState: LogSplitState): void {
    this.emitRecords(batch, 0, batch.length, output, splitState);
  }

  emitRecords(
    batch: LogBatch,
    from: number,
    to: number,
    output: SourceOutput<number>,
    splitState: LogSplitState,
  ): void {
    for (let i = from; i < to; i++) {
      const record = batch[i] as LogRecord;
      output.collect(record.offset, record.timestamp);
    }
    if (to > from) splitState.offset = (batch[to - 1] as LogRecord).offset + 1;
  }
}
// #endregion batch-emitter

/**
 * The example {@link LogSplitReader}, handing over each split's fetched records as batch elements
 * of `elementSize` records (the last one shorter).
 */
export class BatchingLogSplitReader implements SplitReader<LogBatch, LogSplit> {
  private readonly inner: LogSplitReader;

  constructor(
    log: FakeLog,
    fetchSize: number,
    private readonly elementSize: number,
  ) {
    this.inner = new LogSplitReader(log, fetchSize);
  }

  async fetch(): Promise<RecordsWithSplitIds<LogBatch>> {
    const fetched = await this.inner.fetch();
    const bySplit = new Map<string, LogBatch[]>();
    for (const [splitId, records] of fetched.recordsBySplit) {
      const elements: LogBatch[] = [];
      for (let i = 0; i < records.length; i += this.elementSize)
        elements.push(records.slice(i, i + this.elementSize));
      bySplit.set(splitId, elements);
    }
    return new RecordsBySplits(bySplit, fetched.finishedSplits);
  }

  handleSplitsChanges(change: SplitsChange<LogSplit>): void {
    this.inner.handleSplitsChanges(change);
  }

  wakeUp(): void {
    this.inner.wakeUp();
  }

  async close(): Promise<void> {
    await this.inner.close();
  }
}

/** The split ⇄ state conversion of the example reader, over batch elements. */
export class LogBatchSourceReader extends SourceReaderBase<LogBatch, number, LogSplit, LogSplitState> {
  readonly finished: string[] = [];

  protected initializedState(split: LogSplit): LogSplitState {
    return { offset: split.offset, endOffset: split.endOffset };
  }

  protected toSplitType(splitId: string, state: LogSplitState): LogSplit {
    return state.endOffset === undefined
      ? { splitId, offset: state.offset }
      : { splitId, offset: state.offset, endOffset: state.endOffset };
  }

  protected onSplitFinished(finishedSplitStates: ReadonlyMap<string, LogSplitState>): void {
    this.finished.push(...finishedSplitStates.keys());
  }
}
