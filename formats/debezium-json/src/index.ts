/**
 * @tributary/format-debezium-json — Debezium's JSON change events (Flink's `debezium-json`) to and
 * from Tributary change records, with or without the Kafka Connect schema envelope.
 */
export type { ChangeRecord, ChangeSource } from '@tributary/core';
export { DebeziumJsonDeserializationSchema } from './debezium-json-deserialization-schema.js';
export {
  type DebeziumJsonConfig,
  DebeziumJsonOptions,
  type ResolvedDebeziumJsonOptions,
} from './debezium-json-options.js';
export { DebeziumJsonSerializationSchema } from './debezium-json-serialization-schema.js';
