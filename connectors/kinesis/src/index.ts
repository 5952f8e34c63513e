/**
 * @tributary/connector-kinesis — Kinesis Data Streams source and sink on @aws-sdk/client-kinesis.
 * Curated named exports only.
 */
export { type KinesisConnectionOptions, kinesisConnectionShape } from './client/kinesis-client-options.js';
export { type KinesisErrorCode, KinesisErrorCodes } from './kinesis-error-codes.js';
export { type KinesisPutEntry, kinesisPutEntrySerializer } from './sink/kinesis-put-entry.js';
export {
  type KinesisPartitionKeySpec,
  type KinesisRecordSerializer,
  type KinesisRecordSerializerSpec,
  kinesisRecordSerializer,
} from './sink/kinesis-record-serializer.js';
export { KinesisSink, type KinesisSinkExtras } from './sink/kinesis-sink.js';
export {
  KinesisSinkOptions,
  type KinesisSinkOptionsInput,
  PUT_RECORD_MAX_BYTES,
  PUT_RECORDS_MAX_BYTES,
  PUT_RECORDS_MAX_RECORDS,
  type ResolvedKinesisSinkOptions,
} from './sink/kinesis-sink-options.js';
