/** Stable error codes raised by `@tributary/metrics`. */
export const MetricsErrorCodes = {
  /** A reporter was started twice, or used in a state that does not allow it. */
  REPORTER_STATE: 'TRIB_METRICS_REPORTER_STATE',
  /** The Prometheus endpoint could not listen (port taken, host not local ...). */
  LISTEN_FAILED: 'TRIB_METRICS_LISTEN_FAILED',
  /** An explicit flush could not export metrics (collector unreachable, rejected request). */
  EXPORT_FAILED: 'TRIB_METRICS_EXPORT_FAILED',
  /** A connector's metrics do not follow the FLIP-33 conventions (see `checkConnectorMetrics`). */
  CONFORMANCE: 'TRIB_METRICS_CONFORMANCE',
} as const;

/** One of {@link MetricsErrorCodes}. */
export type MetricsErrorCode = (typeof MetricsErrorCodes)[keyof typeof MetricsErrorCodes];
