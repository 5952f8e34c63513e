import type { SourceSplit } from '../../api/source.js';
import type { RecordsWithSplitIds } from './records-with-split-ids.js';

/** Splits a fetch loop gained or lost (Flink's `SplitsAddition` / `SplitsRemoval`). */
export type SplitsChange<SplitT extends SourceSplit> =
  | { readonly type: 'add'; readonly splits: readonly SplitT[] }
  | { readonly type: 'remove'; readonly splits: readonly SplitT[] };

/**
 * The I/O half of a source connector: reads batches from the external system for the splits it
 * was given (Flink's `SplitReader`). The connector base runs it inside one {@link SplitFetcher}
 * fetch loop, which hands the batches to the reader through a bounded queue.
 *
 * Contract:
 * - `fetch`, `handleSplitsChanges`, `pauseOrResumeSplits` and `close` are called by one fetch
 *   loop, one at a time, never concurrently with each other.
 * - `fetch` is called only while the loop has at least one split that is not paused. It may wait
 *   for data (a long poll), but must resolve promptly after {@link wakeUp}, with whatever it has
 *   (possibly {@link RecordsBySplits.empty}). Waiting a bounded time and returning empty is
 *   fine: the loop simply calls it again.
 * - Split state (the position) lives with the reader, not here: the split reader keeps its own
 *   fetch position, which may run ahead of what was emitted. After a restore it is constructed
 *   anew and given the splits from the checkpoint.
 * - Thrown errors (rejected promises) end the fetch loop; the reader rethrows them on its next
 *   `pollNext` / `isAvailable`. Retry transient errors inside (with core's `retry()`) when the
 *   client does not.
 */
export interface SplitReader<E, SplitT extends SourceSplit> {
  /**
   * Reads one batch across the assigned, non-paused splits. Return the client's arrays as they
   * are (see {@link RecordsWithSplitIds}); report splits that reached their end in
   * `finishedSplits`.
   */
  fetch(): Promise<RecordsWithSplitIds<E>>;
  /**
   * Starts or stops reading splits. Added splits carry their start position (the checkpointed
   * one after a restore). Removed splits are reported to the reader like finished ones.
   */
  handleSplitsChanges(change: SplitsChange<SplitT>): void | Promise<void>;
  /**
   * Makes a pending `fetch()` resolve soon (possibly empty): the loop has a task to run, or is
   * closing. Called synchronously from outside the loop, at any time: also just after a fetch
   * returned, so a sticky flag that makes the next fetch return early is a fine implementation
   * (see {@link WakeUpLatch}). Must not throw.
   */
  wakeUp(): void;
  /**
   * Stops / resumes fetching these splits (watermark alignment). Optional: without it the loop
   * still stops fetching when all of its splits are paused, which is always the case with
   * {@link PerSplitFetcherManager}.
   */
  pauseOrResumeSplits?(
    splitsToPause: readonly SplitT[],
    splitsToResume: readonly SplitT[],
  ): void | Promise<void>;
  /** Releases the client. Called once, after the loop stopped (or after the close timeout). */
  close(): Promise<void>;
}

/** Creates one split reader per fetch loop. */
export type SplitReaderFactory<E, SplitT extends SourceSplit> = () => SplitReader<E, SplitT>;
