/**
 * @tributary/connector-kafka — Kafka source and sink on kafkajs.
 * Curated named exports only.
 */
export {
  type CustomSaslMechanism,
  type KafkaConnectionOptions,
  kafkaConnectionShape,
  kafkaSaslSchema,
  kafkaTlsSchema,
  type OAuthBearerProvider,
  type OAuthBearerToken,
} from './client/kafka-client-options.js';
export { isKafkaDeadLetter, type KafkaDeadLetter, withDeadLetters } from './dead-letter/kafka-dead-letter.js';
export {
  DEAD_LETTER_HEADERS,
  kafkaDeadLetterSerializer,
} from './dead-letter/kafka-dead-letter-serializer.js';
export { type KafkaErrorCode, KafkaErrorCodes } from './kafka-error-codes.js';
export {
  type KafkaCommittable,
  type KafkaWriterState,
  kafkaCommittableSerializer,
  kafkaWriterStateSerializer,
} from './sink/kafka-committable.js';
export { KafkaCommitter } from './sink/kafka-committer.js';
export {
  type KafkaBytes,
  type KafkaFieldSerializer,
  type KafkaHeaders,
  type KafkaPartitioner,
  type KafkaPartitionerFunction,
  type KafkaProducerRecord,
  type KafkaRecordSerializer,
  type KafkaRecordSerializerSpec,
  type KafkaSinkContext,
  kafkaRecordSerializer,
} from './sink/kafka-record-serializer.js';
export { KafkaSink } from './sink/kafka-sink.js';
export {
  DEFAULT_TRANSACTION_TIMEOUT_MS,
  KafkaSinkOptions,
  type KafkaSinkOptionsInput,
  type ResolvedKafkaSinkOptions,
} from './sink/kafka-sink-options.js';
export { transactionalIdOf } from './sink/kafka-transaction-aborter.js';
export {
  type KafkaPartitionSplit,
  kafkaPartitionSplit,
  kafkaPartitionSplitSerializer,
  partitionSplitId,
} from './source/kafka-partition-split.js';
export {
  copyRecordBytes,
  copyRecordHeaders,
  type KafkaConsumerRecord,
  type KafkaMessage,
  type KafkaRecordBytes,
  type KafkaRecordDeserializer,
  kafkaMessageDeserializer,
  prepareKeysAndValues,
  utf8Schema,
  valueOnly,
} from './source/kafka-record-deserializer.js';
export { KafkaSource } from './source/kafka-source.js';
export {
  type KafkaSourceEnumState,
  kafkaSourceEnumStateSerializer,
  splitOwner,
} from './source/kafka-source-enumerator.js';
export {
  KafkaSourceOptions,
  type KafkaSourceOptionsInput,
  type ResolvedKafkaSourceOptions,
  type StartingOffsets,
  type StoppingOffsets,
} from './source/kafka-source-options.js';
export { tributaryPlugin } from './tributary-plugin.js';
export {
  type UpsertRecord,
  type UpsertSerializerSpec,
  upsertKafkaRecordDeserializer,
  upsertKafkaRecordSerializer,
} from './upsert/upsert-record.js';
