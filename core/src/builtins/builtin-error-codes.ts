/**
 * Stable error codes of the built-in sources and sinks and of the hybrid source. They live beside
 * the code that raises them (not in `CoreErrorCodes`) so each area owns its codes.
 */
export const BuiltinErrorCodes = {
  /** A collection source was given values that cannot be serialized into its splits (JSON). */
  COLLECTION_NOT_SERIALIZABLE: 'TRIB_COLLECTION_NOT_SERIALIZABLE',
  /** A `CollectSink` was used after its collector was disposed, or in another process. */
  COLLECT_SINK_UNKNOWN: 'TRIB_COLLECT_SINK_UNKNOWN',
  /** Waiting for collected results timed out. */
  COLLECT_SINK_TIMEOUT: 'TRIB_COLLECT_SINK_TIMEOUT',
  /** A committable's staging file and its committed target are both missing (data was removed). */
  TXN_STORE_STAGING_MISSING: 'TRIB_TXN_STORE_STAGING_MISSING',
  /** A committed file of the transactional test store could not be parsed. */
  TXN_STORE_CORRUPT: 'TRIB_TXN_STORE_CORRUPT',
  /** A hybrid source has an unbounded source in a position other than the last. */
  HYBRID_UNBOUNDED_SOURCE: 'TRIB_HYBRID_UNBOUNDED_SOURCE',
  /** A hybrid source factory threw or returned something that is not a source. */
  HYBRID_SOURCE_FACTORY: 'TRIB_HYBRID_SOURCE_FACTORY',
  /** Hybrid state or a hybrid event names a source index this hybrid source does not have. */
  HYBRID_BAD_STATE: 'TRIB_HYBRID_BAD_STATE',
} as const;

/** One of {@link BuiltinErrorCodes}. */
export type BuiltinErrorCode = (typeof BuiltinErrorCodes)[keyof typeof BuiltinErrorCodes];
