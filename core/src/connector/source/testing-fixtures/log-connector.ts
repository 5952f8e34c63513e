import type { SourceOutput, SourceReaderContext, SourceSplit } from '../../../api/source.js';
import type { RecordEmitter } from '../record-emitter.js';
import { RecordsBySplits, type RecordsWithSplitIds } from '../records-with-split-ids.js';
import { SingleSplitFetcherManager } from '../single-split-fetcher-manager.js';
import { SourceReaderBase } from '../source-reader-base.js';
import type { SourceReaderBaseOptionsInput } from '../source-reader-options.js';
import type { SplitReader, SplitsChange } from '../split-reader.js';
import { WakeUpLatch } from '../wake-up-latch.js';
import type { FakeLog } from './fake-log.js';

/**
 * The example connector of docs/connector-base.md (its `#region`s are quoted there verbatim;
 * docs-example.test.ts keeps them in sync): a source over a {@link FakeLog}, a partitioned log of numbered records like Kafka.
 */

// #region split-reader
/** One element fetched from the log. */
export interface LogRecord {
  readonly offset: number;
  /** Event time in ms. */
  readonly timestamp: number;
}

/** A partition read from `offset`, up to `endOffset` (exclusive) when bounded. */
export interface LogSplit extends SourceSplit {
  readonly offset: number;
  readonly endOffset?: number;
}

/** The split's mutable state: the next offset to emit. */
export interface LogSplitState {
  offset: number;
  readonly endOffset: number | undefined;
}

/** Fetches up to `batchSize` records per partition; long-polls the log when none has data. */
export class LogSplitReader implements SplitReader<LogRecord, LogSplit> {
  private readonly positions = new Map<string, { next: number; endOffset: number | undefined }>();
  private readonly paused = new Set<string>();
  private readonly latch = new WakeUpLatch();

  constructor(
    protected readonly log: FakeLog,
    private readonly batchSize = 10,
  ) {}

  async fetch(): Promise<RecordsWithSplitIds<LogRecord>> {
    for (;;) {
      const batch = RecordsBySplits.builder<LogRecord>();
      for (const [splitId, pos] of this.positions) {
        if (this.paused.has(splitId)) continue;
        const records = this.log.read(splitId, pos.next, this.batchSize, pos.endOffset);
        batch.addAll(splitId, records);
        pos.next += records.length;
        if (pos.endOffset !== undefined && pos.next >= pos.endOffset) {
          batch.markFinished(splitId);
          this.positions.delete(splitId);
        }
      }
      if (!batch.isEmpty) return batch.build();
      // Nothing yet: wait for the log to change, or until the fetch loop needs us back.
      const waited = await this.latch.race(this.log.whenChanged());
      if (waited.woken) return RecordsBySplits.empty();
    }
  }

  handleSplitsChanges(change: SplitsChange<LogSplit>): void {
    for (const split of change.splits) {
      if (change.type === 'add')
        this.positions.set(split.splitId, { next: split.offset, endOffset: split.endOffset });
      else this.positions.delete(split.splitId);
    }
  }

  pauseOrResumeSplits(toPause: readonly LogSplit[], toResume: readonly LogSplit[]): void {
    for (const split of toPause) this.paused.add(split.splitId);
    for (const split of toResume) this.paused.delete(split.splitId);
  }

  wakeUp(): void {
    this.latch.wakeUp();
  }

  async close(): Promise<void> {}
}
// #endregion split-reader

// #region emitter-and-reader
/** Emits the offset with its event time, then advances the split's position. */
export class LogRecordEmitter implements RecordEmitter<LogRecord, number, LogSplitState> {
  emitRecord(element: LogRecord, output: SourceOutput<number>, splitState: LogSplitState): void {
    output.collect(element.offset, element.timestamp);
    splitState.offset = element.offset + 1;
  }
}

/** The split ⇄ state conversion, and what to do when splits finish. */
export class LogSourceReader extends SourceReaderBase<LogRecord, number, LogSplit, LogSplitState> {
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

/** What the connector's `Source.createReader(ctx)` returns. */
export function createLogSourceReader(
  log: FakeLog,
  ctx: SourceReaderContext,
  options: SourceReaderBaseOptionsInput = {},
): LogSourceReader {
  return new LogSourceReader(
    new SingleSplitFetcherManager(() => new LogSplitReader(log), options, ctx.logger),
    new LogRecordEmitter(),
    ctx,
    options,
  );
}
// #endregion emitter-and-reader
