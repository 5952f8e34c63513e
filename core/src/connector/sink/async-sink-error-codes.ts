/**
 * Error codes of the async sink base, besides core's `TRIB_SINK_FATAL` (a request failed with a
 * fatal error), `TRIB_RECORD_TOO_LARGE` and `TRIB_RETRIES_EXHAUSTED`.
 */
export const AsyncSinkErrorCodes = {
  /** The dead-letter handler threw while taking an entry; the writer fails (nothing is dropped). */
  DEAD_LETTER_FAILED: 'TRIB_ASYNC_SINK_DEAD_LETTER_FAILED',
  /** The connector rejected entries as permanently failed and no dead-letter handler is configured. */
  ENTRY_REJECTED: 'TRIB_ASYNC_SINK_ENTRY_REJECTED',
} as const;

export type AsyncSinkErrorCode = (typeof AsyncSinkErrorCodes)[keyof typeof AsyncSinkErrorCodes];
