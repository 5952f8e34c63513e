import type { TributaryPlugin } from '@tributary/core';
import { type RawFormatConfig, RawFormatOptions } from './raw-format-options.js';
import { RawStringSchema } from './raw-schemas.js';
import { RawTextFileFormat, RawTextWriterFormat } from './raw-text-file-format.js';

/** The raw format for declarative pipelines (`format: raw`: lines of text, UTF-8 messages; see `@tributary/cli`). */
export const tributaryPlugin: TributaryPlugin = {
  name: 'raw',
  description: 'Plain text: one record per line in files, UTF-8 strings in messages',
  format: {
    options: RawFormatOptions,
    fileReader: (options) => new RawTextFileFormat(options as RawFormatConfig),
    fileWriter: () => new RawTextWriterFormat(),
    deserializer: (options) => new RawStringSchema(options as RawFormatConfig),
    serializer: (options) => new RawStringSchema(options as RawFormatConfig),
  },
};
