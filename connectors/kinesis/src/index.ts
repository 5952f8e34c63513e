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
export { type KinesisRecord, type KinesisRecordDeserializer, valueOnly } from './source/kinesis-record.js';
export { type StreamTarget, streamTarget } from './source/kinesis-shard-discoverer.js';
export {
  type KinesisShardSplit,
  type KinesisShardSplitState,
  kinesisShardSplitSerializer,
  type ShardPosition,
} from './source/kinesis-shard-split.js';
export { KinesisSource } from './source/kinesis-source.js';
export {
  type KinesisEndPosition,
  type KinesisSourceEnumState,
  kinesisSourceEnumStateSerializer,
} from './source/kinesis-source-enumerator.js';
export { SHARDS_FINISHED_ACK_EVENT, SHARDS_FINISHED_EVENT } from './source/kinesis-source-events.js';
export {
  KinesisSourceOptions,
  type KinesisSourceOptionsInput,
  type ResolvedKinesisSourceOptions,
} from './source/kinesis-source-options.js';
export { aggregate, deaggregate, KPL_MAGIC, type UserRecord } from './source/kpl-aggregation.js';
export { parentsFinished, type ShardInfo, shardOwner } from './source/shard-lineage.js';
export { tributaryPlugin } from './tributary-plugin.js';
