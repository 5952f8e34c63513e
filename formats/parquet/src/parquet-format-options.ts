import { defineOptions } from '@tributary/core';
import { z } from 'zod';

/** Column types of written files, each with a fixed Parquet physical/logical type (see the README). */
export const PARQUET_COLUMN_TYPES = [
  'string',
  'boolean',
  'int32',
  'int64',
  'float',
  'double',
  'timestamp',
  'timestamp-micros',
  'timestamp-nanos',
  'date',
  'json',
  'bytes',
  'decimal',
] as const;

/** A column type: `timestamp` is INT64 TIMESTAMP_MILLIS, `date` INT32 DATE, both `Date` in JS; `decimal` is FIXED_LEN_BYTE_ARRAY DECIMAL(precision, scale). */
export type ParquetColumnType = (typeof PARQUET_COLUMN_TYPES)[number];

/** Options of the Parquet format (reader and bulk writer). */
export const ParquetFormatOptions = defineOptions(
  'format.parquet',
  z.strictObject({
    columns: z
      .array(
        z.strictObject({
          name: z.string().min(1).describe('Column name (the record key).'),
          type: z.enum(PARQUET_COLUMN_TYPES).describe('Column type.'),
          nullable: z.boolean().default(true).describe('OPTIONAL (true) or REQUIRED (false) column.'),
          precision: z
            .number()
            .int()
            .min(1)
            .max(76)
            .optional()
            .describe('decimal columns: total digits (required for decimal).'),
          scale: z
            .number()
            .int()
            .min(0)
            .optional()
            .describe('decimal columns: digits after the point (default 0, at most the precision).'),
        }),
      )
      .optional()
      .describe(
        'Writer schema. Unset: derived per part file from the rows before its first row group (string, boolean, double for numbers, int64 for bigint, timestamp for Date, bytes for Uint8Array, json for objects; all nullable); a key first seen after that row group is written fails its record.',
      ),
    compression: z
      .enum(['snappy', 'gzip', 'zstd', 'lz4', 'brotli', 'uncompressed'])
      .default('snappy')
      .describe(
        "Page compression codec the writer uses ('lz4' writes LZ4_RAW). Readers accept all of them and the deprecated LZ4.",
      ),
    rowGroupRows: z
      .number()
      .int()
      .positive()
      .default(100_000)
      .describe('Rows per row group; the writer buffers this many rows in memory before writing a group.'),
    pageSizeBytes: z
      .number()
      .int()
      .positive()
      .default(1024 * 1024)
      .describe('Target data page size in bytes.'),
    statistics: z.boolean().default(true).describe('Write column min/max/null-count statistics.'),
    int64As: z
      .enum(['bigint', 'number'])
      .default('bigint')
      .describe(
        "Reader: signed 64-bit integer columns (INT64, also annotated INT_64) as 'bigint' (exact) or 'number' (a value beyond ±2^53 is an error).",
      ),
    decimals: z
      .enum(['auto', 'string', 'number'])
      .default('auto')
      .describe(
        "Reader: DECIMAL columns as 'string' (exact), 'number' (nearest double) or 'auto' (string when the precision is above 15, else number).",
      ),
    timestamps: z
      .enum(['date', 'string'])
      .default('date')
      .describe(
        "Reader: timestamps as 'date' (a Date, milliseconds, sub-millisecond digits floored) or 'string' (exact ISO 8601 in UTC with the column's digits: 3, 6 or 9).",
      ),
    binaryAsString: z
      .boolean()
      .default(false)
      .describe(
        'Reader: decode BYTE_ARRAY columns without a UTF8 annotation as strings (old writers omit it).',
      ),
    projection: z
      .array(z.string().min(1))
      .optional()
      .describe('Reader: read only these top-level columns (default all).'),
    maxBatchRows: z
      .number()
      .int()
      .positive()
      .default(8192)
      .describe('Reader: most records per batch; a row group is decoded once and handed out in slices.'),
  }),
);

/** Options as passed in (defaults optional). */
export type ParquetFormatConfig = z.input<typeof ParquetFormatOptions.schema>;
/** Options after validation. */
export type ResolvedParquetFormatOptions = z.output<typeof ParquetFormatOptions.schema>;
/** A writer column with defaults applied. */
export type ParquetColumn = NonNullable<ResolvedParquetFormatOptions['columns']>[number];
