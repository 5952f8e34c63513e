/**
 * @tributary/format-parquet — Parquet for Tributary on hyparquet / hyparquet-writer: a splittable
 * reader with exact (row group, rows) resume positions and a bulk writer (snappy, gzip).
 */
export { ParquetFileFormat } from './parquet-file-format.js';
export {
  PARQUET_COLUMN_TYPES,
  type ParquetColumn,
  type ParquetColumnType,
  type ParquetFormatConfig,
  ParquetFormatOptions,
  type ResolvedParquetFormatOptions,
} from './parquet-format-options.js';
export { ParquetWriterFormat } from './parquet-writer-format.js';
export { tributaryPlugin } from './tributary-plugin.js';
