import type { TributaryPlugin } from '@tributary/core';
import { JsonDeserializationSchema } from './json-deserialization-schema.js';
import { JsonFileFormat } from './json-file-format.js';
import { type JsonFormatConfig, JsonFormatOptions } from './json-format-options.js';
import { JsonSerializationSchema } from './json-serialization-schema.js';
import { JsonWriterFormat } from './json-writer-format.js';

/** The JSON (Lines) format for declarative pipelines (`format: json`, see `@tributary/cli`). */
export const tributaryPlugin: TributaryPlugin = {
  name: 'json',
  description: 'JSON Lines files and JSON messages, optional typed fields',
  format: {
    options: JsonFormatOptions,
    fileReader: (options) => new JsonFileFormat(options as JsonFormatConfig),
    fileWriter: () => new JsonWriterFormat(),
    deserializer: (options) => new JsonDeserializationSchema(options as JsonFormatConfig),
    serializer: () => new JsonSerializationSchema(),
  },
};
