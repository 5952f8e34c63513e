/**
 * @tributary/format-csv — RFC 4180 CSV for Tributary: typed columns, a file reader with exact
 * resume positions, a row writer, and (de)serialization schemas for message connectors.
 */

export { CsvFileFormat } from './csv-file-format.js';
export {
  CSV_COLUMN_TYPES,
  type CsvColumn,
  type CsvColumnType,
  type CsvFormatConfig,
  CsvFormatOptions,
  type ResolvedCsvFormatOptions,
} from './csv-format-options.js';
export { CsvDeserializationSchema, CsvSerializationSchema } from './csv-schemas.js';
export { CsvWriterFormat } from './csv-writer-format.js';
export { tributaryPlugin } from './tributary-plugin.js';
