import type { TributaryPlugin } from '@tributary/core';
import { ParquetFileFormat } from './parquet-file-format.js';
import { type ParquetFormatConfig, ParquetFormatOptions } from './parquet-format-options.js';
import { ParquetWriterFormat } from './parquet-writer-format.js';

/** The Parquet format for declarative pipelines (`format: { type: parquet, ... }`, see `@tributary/cli`). */
export const tributaryPlugin: TributaryPlugin = {
  name: 'parquet',
  description: 'Apache Parquet files: reader and bulk writer (snappy/gzip/zstd/lz4/brotli)',
  format: {
    options: ParquetFormatOptions,
    fileReader: (options) => new ParquetFileFormat(options as ParquetFormatConfig),
    fileWriter: (options) => new ParquetWriterFormat(options as ParquetFormatConfig),
  },
};
