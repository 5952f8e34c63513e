/** Stable error codes raised by `@tributary/core`. Connectors define their own with their prefix. */
export const CoreErrorCodes = {
  /** Options failed schema validation; the message names the key and the fix. */
  INVALID_OPTIONS: 'TRIB_INVALID_OPTIONS',
  /** A serializer met bytes of a version it cannot read. */
  SERIALIZER_VERSION: 'TRIB_SERIALIZER_VERSION',
  /** Bytes could not be decoded. */
  SERIALIZATION: 'TRIB_SERIALIZATION',
  /** A record failed to parse or validate; context names the record and field. */
  RECORD_INVALID: 'TRIB_RECORD_INVALID',
  /** A single record is larger than the sink allows. */
  RECORD_TOO_LARGE: 'TRIB_RECORD_TOO_LARGE',
  /** A retried operation kept failing until the retry budget was spent. */
  RETRIES_EXHAUSTED: 'TRIB_RETRIES_EXHAUSTED',
  /** The operation was aborted (job cancelled or closing). */
  ABORTED: 'TRIB_ABORTED',
  /** An operation took longer than its time limit (e.g. one call of a `mapAsync` function). */
  TIMEOUT: 'TRIB_TIMEOUT',
  /** A `mapAsync` function failed for a record (after its retries); the job fails over. */
  ASYNC_CALL_FAILED: 'TRIB_ASYNC_CALL_FAILED',
  /** A committer failed a committable for a reason it did not recognise. */
  COMMIT_FAILED: 'TRIB_COMMIT_FAILED',
  /** A checkpoint could not be written, read or completed. */
  CHECKPOINT_FAILED: 'TRIB_CHECKPOINT_FAILED',
  /** The checkpoint / savepoint to restore from is missing or unreadable. */
  RESTORE_FAILED: 'TRIB_RESTORE_FAILED',
  /** The job failed and the restart strategy gave up. */
  JOB_FAILED: 'TRIB_JOB_FAILED',
  /** A connector broke the API contract (e.g. a reader reported data but never became available). */
  CONTRACT_VIOLATION: 'TRIB_CONTRACT_VIOLATION',
  /** A component was used after close(). */
  CLOSED: 'TRIB_CLOSED',
  /** An async sink entry failed with an error the classifier declared fatal. */
  SINK_FATAL: 'TRIB_SINK_FATAL',
  /** The job options ask for `metrics` but the optional `@tributary/metrics` package cannot be loaded. */
  METRICS_UNAVAILABLE: 'TRIB_METRICS_UNAVAILABLE',
  /** The job options ask for a `dashboard` but the optional `@tributary/cli` package cannot be loaded. */
  DASHBOARD_UNAVAILABLE: 'TRIB_DASHBOARD_UNAVAILABLE',
} as const;

export type CoreErrorCode = (typeof CoreErrorCodes)[keyof typeof CoreErrorCodes];
