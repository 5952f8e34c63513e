import type { TributaryPlugin } from '@tributary/core';
import { CsvFileFormat } from './csv-file-format.js';
import { type CsvFormatConfig, CsvFormatOptions } from './csv-format-options.js';
import { CsvDeserializationSchema, CsvSerializationSchema } from './csv-schemas.js';
import { CsvWriterFormat } from './csv-writer-format.js';

/** The CSV format for declarative pipelines (`format: { type: csv, ... }`, see `@tributary/cli`). */
export const tributaryPlugin: TributaryPlugin = {
  name: 'csv',
  description: 'RFC 4180 CSV: typed columns, header, file reader/writer and message (de)serializers',
  format: {
    options: CsvFormatOptions,
    fileReader: (options) => new CsvFileFormat(options as CsvFormatConfig),
    fileWriter: (options) => new CsvWriterFormat(options as CsvFormatConfig),
    deserializer: (options) => new CsvDeserializationSchema(options as CsvFormatConfig),
    serializer: (options) => new CsvSerializationSchema(options as CsvFormatConfig),
  },
};
