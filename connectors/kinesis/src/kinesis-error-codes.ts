/** Stable error codes raised by `@tributary/connector-kinesis`. Classify with `hasErrorCode`. */
export const KinesisErrorCodes = {
  /** A Kinesis API call failed (after the SDK's own retries). Context names the operation and stream. */
  REQUEST_FAILED: 'TRIB_KINESIS_REQUEST_FAILED',
  /** A record could not be turned into a PutRecords entry (serializer or key generator threw, bad key). */
  SERIALIZATION_FAILED: 'TRIB_KINESIS_SERIALIZATION_FAILED',
  /** PutRecords rejected an entry and `failOnError` is set. Context names the error code and shard. */
  PUT_FAILED: 'TRIB_KINESIS_PUT_FAILED',
  /** A record could not be deserialized; context names stream, shard and sequence number. */
  DESERIALIZATION_FAILED: 'TRIB_KINESIS_DESERIALIZATION_FAILED',
  /** A KPL-aggregated record is malformed (bad checksum or protobuf). */
  AGGREGATION_INVALID: 'TRIB_KINESIS_AGGREGATION_INVALID',
  /** The stream named by the job does not exist. */
  STREAM_NOT_FOUND: 'TRIB_KINESIS_STREAM_NOT_FOUND',
  /** A checkpointed position is no longer in the stream (expired by retention). */
  POSITION_EXPIRED: 'TRIB_KINESIS_POSITION_EXPIRED',
} as const;

/** One of {@link KinesisErrorCodes}. */
export type KinesisErrorCode = (typeof KinesisErrorCodes)[keyof typeof KinesisErrorCodes];
