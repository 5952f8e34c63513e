/**
 * @tributary/format-json — JSON Lines for Tributary: (de)serialization schemas for message
 * connectors, a splittable file format with exact resume positions, and a row writer.
 */
export { JsonDeserializationSchema } from './json-deserialization-schema.js';
export { JsonFileFormat } from './json-file-format.js';
export {
  JSON_FIELD_TYPES,
  type JsonFieldSpec,
  type JsonFieldType,
  type JsonFormatConfig,
  JsonFormatOptions,
  type ResolvedJsonFormatOptions,
} from './json-format-options.js';
export { JsonSerializationSchema } from './json-serialization-schema.js';
export { JsonWriterFormat } from './json-writer-format.js';
export { tributaryPlugin } from './tributary-plugin.js';
