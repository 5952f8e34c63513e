import type { SourceOutput } from '../../api/source.js';

/**
 * Turns one fetched element into output records and advances its split's state (Flink's
 * `RecordEmitter`). Called by {@link SourceReaderBase.pollNext} on the subtask's loop, once per
 * element, synchronously: keep it allocation-light.
 *
 * Advancing `splitState` here (and only here) is what makes a checkpoint exact: the reader's
 * `snapshotState` turns the split states into splits, so the position in a checkpoint is the one
 * after the last emitted element, whatever the fetch loop already read ahead.
 *
 * The element may produce zero records (a filtered or control element, which still advances the
 * state) or several (an element that is a batch, e.g. a Kinesis aggregated record). `output` is
 * the split's own output (per-split watermarks); use it only during this call.
 *
 * `maxRecordsPerPoll` counts elements for a plain emitter. When elements are batches, implement
 * {@link BatchRecordEmitter} instead, so the reader counts (and may split a batch by) records.
 */
export interface RecordEmitter<E, T, SplitStateT> {
  emitRecord(element: E, output: SourceOutput<T>, splitState: SplitStateT): void;
}

/**
 * A {@link RecordEmitter} whose elements are batches of records (a file chunk's `FileReadBatch`,
 * a Kinesis aggregated record). {@link SourceReaderBase} then counts _records_, not elements,
 * against `maxRecordsPerPoll`: it emits a batch in ranges, stops in the middle of one when the
 * poll's budget is spent, and goes on with the rest of it at the next poll. So a checkpoint taken
 * between two polls can land inside a batch, and the batch's per-record positions must be exact.
 *
 * `emitRecord` (the whole element) is still used by code that drives the emitter directly; the
 * reader only calls {@link recordCount} and {@link emitRecords}.
 */
export interface BatchRecordEmitter<E, T, SplitStateT> extends RecordEmitter<E, T, SplitStateT> {
  /**
   * How many records `element` holds. Called each time the reader (re)visits the element, so
   * keep it O(1) (an array length).
   */
  recordCount(element: E): number;
  /**
   * Emits records `from` (inclusive) to `to` (exclusive) of `element` and moves `splitState` to
   * the position right after record `to - 1`, i.e. exactly what was emitted. The ranges of one
   * element follow each other without gaps or overlaps. An element with no records is passed
   * once with `from === to === 0` (it may still advance the state). If this throws, the reader
   * treats the whole range as not emitted.
   */
  emitRecords(element: E, from: number, to: number, output: SourceOutput<T>, splitState: SplitStateT): void;
}

/** True when `emitter` emits batches in ranges (see {@link BatchRecordEmitter}). */
export function isBatchRecordEmitter<E, T, S>(
  emitter: RecordEmitter<E, T, S>,
): emitter is BatchRecordEmitter<E, T, S> {
  const candidate = emitter as Partial<BatchRecordEmitter<E, T, S>>;
  return typeof candidate.emitRecords === 'function' && typeof candidate.recordCount === 'function';
}
