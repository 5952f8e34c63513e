/** Stable error codes raised by the Pulsar source. Classify with `hasErrorCode`. */
export const PulsarSourceErrorCodes = {
  /** Looking topics up, subscribing, seeking or reading failed (after the client's own retries). */
  REQUEST_FAILED: 'TRIB_PULSAR_SOURCE_REQUEST_FAILED',
  /** A message could not be decoded or deserialized; context names topic and message id. */
  DESERIALIZATION_FAILED: 'TRIB_PULSAR_DESERIALIZATION_FAILED',
  /**
   * Shared / Key_Shared: the transaction holding a completed checkpoint's acks could not be
   * committed (the coordinator aborted it: it outlived `transactionTimeoutMs`), so the broker
   * redelivers messages whose output was already committed.
   */
  ACK_TRANSACTION_LOST: 'TRIB_PULSAR_ACK_TRANSACTION_LOST',
  /** A message id in the options or a checkpoint is not `ledgerId:entryId[:batchIndex[:batchSize]]`. */
  INVALID_MESSAGE_ID: 'TRIB_PULSAR_INVALID_MESSAGE_ID',
  /** An end position cannot be continued from: an event-time stop has no start cursor. */
  UNSUPPORTED_POSITION: 'TRIB_PULSAR_UNSUPPORTED_POSITION',
} as const;

export type PulsarSourceErrorCode = (typeof PulsarSourceErrorCodes)[keyof typeof PulsarSourceErrorCodes];
