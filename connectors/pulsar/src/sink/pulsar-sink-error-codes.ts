/** Stable error codes raised by the Pulsar sink. Classify with `hasErrorCode`. */
export const PulsarSinkErrorCodes = {
  /** Connecting to the cluster or a request to it failed (after the client's own retries). */
  REQUEST_FAILED: 'TRIB_PULSAR_REQUEST_FAILED',
  /** Sending records failed; they were not persisted by the broker. Context names the topic. */
  SEND_FAILED: 'TRIB_PULSAR_SEND_FAILED',
  /** A record could not be turned into a Pulsar message (serializer, topic selector or router threw). */
  SERIALIZATION_FAILED: 'TRIB_PULSAR_SERIALIZATION_FAILED',
  /** A router chose a partition the topic does not have. */
  INVALID_PARTITION: 'TRIB_PULSAR_INVALID_PARTITION',
  /** A transaction stayed open too close to `transactionTimeoutMs`: the coordinator may abort it. */
  TXN_TIMED_OUT: 'TRIB_PULSAR_TXN_TIMED_OUT',
  /** Committing a pre-committed transaction failed for a reason the committer does not recognise. */
  COMMIT_FAILED: 'TRIB_PULSAR_COMMIT_FAILED',
} as const;

export type PulsarSinkErrorCode = (typeof PulsarSinkErrorCodes)[keyof typeof PulsarSinkErrorCodes];
