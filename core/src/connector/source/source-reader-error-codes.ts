/**
 * Error codes of the source connector base, besides core's `TRIB_CLOSED` (a reader or fetcher
 * manager used after `close()`).
 */
export const SourceReaderErrorCodes = {
  /**
   * A fetch loop failed (its split reader's `fetch`, `handleSplitsChanges`, `pauseOrResumeSplits`
   * or a custom task threw). The cause is the original error; `retriable` is copied from it.
   */
  FETCH_FAILED: 'TRIB_SOURCE_FETCH_FAILED',
  /** A fetch returned elements of a split the reader does not own (never added, or already finished). */
  UNKNOWN_SPLIT: 'TRIB_SOURCE_UNKNOWN_SPLIT',
  /** Closing split readers failed; the cause is the first failure. */
  CLOSE_FAILED: 'TRIB_SOURCE_CLOSE_FAILED',
} as const;

export type SourceReaderErrorCode = (typeof SourceReaderErrorCodes)[keyof typeof SourceReaderErrorCodes];
