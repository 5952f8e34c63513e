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
 */
export interface RecordEmitter<E, T, SplitStateT> {
  emitRecord(element: E, output: SourceOutput<T>, splitState: SplitStateT): void;
}
