/**
 * @tributary/format-avro — Avro for Tributary: binary (de)serialization with a given schema, the
 * Confluent Schema Registry wire format, and object container files (reader with exact resume,
 * row/bulk writer).
 */
export { AvroDeserializationSchema, AvroSerializationSchema } from './avro-binary-schemas.js';
export { AvroFileFormat } from './avro-file-format.js';
export {
  type AvroFormatConfig,
  AvroFormatOptions,
  type AvroSchema,
  type ResolvedAvroFormatOptions,
} from './avro-format-options.js';
export { AvroWriterFormat } from './avro-writer-format.js';
export {
  ConfluentAvroDeserializationSchema,
  ConfluentAvroSerializationSchema,
  type ConfluentAvroSerializerConfig,
  schemaIdOf,
} from './confluent-avro-schemas.js';
export { AvroErrorCodes, InMemorySchemaRegistry, type SchemaRegistryClient } from './schema-registry.js';
