/** Stable error codes raised by `@tributary/connector-kafka`. Classify with `hasErrorCode`. */
export const KafkaErrorCodes = {
  /** The installed kafkajs is not the version whose internals this connector reaches. */
  CLIENT_INCOMPATIBLE: 'TRIB_KAFKA_CLIENT_INCOMPATIBLE',
  /** A request to the brokers failed (after the client's own retries). Context names the operation. */
  REQUEST_FAILED: 'TRIB_KAFKA_REQUEST_FAILED',
  /** Authentication or authorization failed (SASL, ACLs). Never carries the credentials. */
  AUTH_FAILED: 'TRIB_KAFKA_AUTH_FAILED',
  /** Sending records failed; the records were not acknowledged. */
  SEND_FAILED: 'TRIB_KAFKA_SEND_FAILED',
  /** Another producer with the same transactional id took over (epoch bumped): this one is a zombie. */
  TXN_FENCED: 'TRIB_KAFKA_TXN_FENCED',
  /**
   * Two exactly-once sinks or jobs use the same `transactionalIdPrefix` on one cluster (they would
   * abort each other's transactions). Give each its own prefix.
   */
  TRANSACTIONAL_ID_CONFLICT: 'TRIB_KAFKA_TRANSACTIONAL_ID_CONFLICT',
  /** `transactionTimeoutMs` exceeds the brokers' `transaction.max.timeout.ms`. */
  TXN_TIMEOUT_TOO_HIGH: 'TRIB_KAFKA_TXN_TIMEOUT_TOO_HIGH',
  /** A transaction stayed open longer than `transactionTimeoutMs`; the broker aborts it. */
  TXN_TIMED_OUT: 'TRIB_KAFKA_TXN_TIMED_OUT',
  /**
   * A pre-committed transaction could not be committed: the broker aborted it (it outlived
   * `transactionTimeoutMs`) or forgot it, so its records are lost. Fails the job unless
   * `onLostTransaction: 'continue'`.
   */
  TXN_LOST: 'TRIB_KAFKA_TRANSACTION_LOST',
  /** Committing a transaction failed for a reason the committer does not recognise. */
  COMMIT_FAILED: 'TRIB_KAFKA_COMMIT_FAILED',
  /** A record could not be turned into a Kafka message (serializer or topic selector threw). */
  SERIALIZATION_FAILED: 'TRIB_KAFKA_SERIALIZATION_FAILED',
  /** A topic named by the job does not exist (auto creation is never relied on). */
  UNKNOWN_TOPIC: 'TRIB_KAFKA_UNKNOWN_TOPIC',
  /**
   * A partition the source reads no longer exists (its topic was deleted, or it is beyond the
   * topic's partition count) and `onPartitionDeleted` is `fail`. Context names topic and partition.
   */
  PARTITION_DELETED: 'TRIB_KAFKA_PARTITION_DELETED',
  /**
   * A topic the source reads was deleted and created again (a different topic id) and
   * `onTopicRecreated` is `fail`. Context names the topic and both ids.
   */
  TOPIC_RECREATED: 'TRIB_KAFKA_TOPIC_RECREATED',
  /** The position a split should start at could not be resolved (no committed offset and reset `none`). */
  NO_OFFSET: 'TRIB_KAFKA_NO_OFFSET',
  /** A fetch position is outside the partition's log (retention deleted it) and the reset strategy is `none`. */
  OFFSET_OUT_OF_RANGE: 'TRIB_KAFKA_OFFSET_OUT_OF_RANGE',
  /** A message could not be deserialized; context names topic, partition and offset. */
  DESERIALIZATION_FAILED: 'TRIB_KAFKA_DESERIALIZATION_FAILED',
  /**
   * Preparing a fetched batch for deserialization failed (`KafkaRecordDeserializer.prepare`, e.g.
   * a schema registry lookup); context names each partition's offset range.
   */
  PREPARE_FAILED: 'TRIB_KAFKA_PREPARE_FAILED',
} as const;

export type KafkaErrorCode = (typeof KafkaErrorCodes)[keyof typeof KafkaErrorCodes];
