import { toUnscaledDecimal } from '@tributary/core';
import type { SchemaElement } from 'hyparquet';
import type { ParquetColumn, ParquetColumnType } from './parquet-format-options.js';

/** Returned by {@link toColumnValue} for a value the column cannot hold; the reason is in `valueProblem`. */
export const BAD_VALUE: unique symbol = Symbol('tributary.parquet.bad-value');
/** Why the last conversion failed (one shared slot: no allocation per value). */
export const valueProblem = { reason: '' };

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** The Parquet schema element of a column. */
export function schemaElementOf(column: ParquetColumn): SchemaElement {
  const repetition_type = column.nullable ? 'OPTIONAL' : 'REQUIRED';
  const { name } = column;
  switch (column.type) {
    case 'string':
      return { name, repetition_type, type: 'BYTE_ARRAY', converted_type: 'UTF8' };
    case 'boolean':
      return { name, repetition_type, type: 'BOOLEAN' };
    case 'int32':
      return { name, repetition_type, type: 'INT32' };
    case 'int64':
      return { name, repetition_type, type: 'INT64' };
    case 'float':
      return { name, repetition_type, type: 'FLOAT' };
    case 'double':
      return { name, repetition_type, type: 'DOUBLE' };
    case 'timestamp':
      return { name, repetition_type, type: 'INT64', converted_type: 'TIMESTAMP_MILLIS' };
    case 'timestamp-micros':
      return {
        name,
        repetition_type,
        type: 'INT64',
        converted_type: 'TIMESTAMP_MICROS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
      };
    case 'timestamp-nanos':
      return {
        name,
        repetition_type,
        type: 'INT64',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'NANOS' },
      };
    case 'date':
      return { name, repetition_type, type: 'INT32', converted_type: 'DATE' };
    case 'json':
      return { name, repetition_type, type: 'BYTE_ARRAY', converted_type: 'JSON' };
    case 'bytes':
      return { name, repetition_type, type: 'BYTE_ARRAY' };
    case 'decimal': {
      const precision = column.precision ?? 38;
      const scale = column.scale ?? 0;
      return {
        name,
        repetition_type,
        type: 'FIXED_LEN_BYTE_ARRAY',
        type_length: decimalBytes(precision),
        converted_type: 'DECIMAL',
        precision,
        scale,
        logical_type: { type: 'DECIMAL', precision, scale },
      };
    }
  }
}

/** The fewest bytes whose two's complement holds every `precision`-digit integer. */
export function decimalBytes(precision: number): number {
  const max = 10n ** BigInt(precision) - 1n;
  let bytes = 1;
  while (max >= 1n << BigInt(bytes * 8 - 1)) bytes++;
  return bytes;
}

/** The whole file schema: a root group with one leaf per column. */
export function fileSchemaOf(columns: readonly ParquetColumn[]): SchemaElement[] {
  return [{ name: 'root', num_children: columns.length }, ...columns.map(schemaElementOf)];
}

/**
 * Derives columns from records when none were given: keys in order of first appearance, the type
 * from the first non-null value. A column that is null throughout the batch becomes a `json` column:
 * it holds whatever later records put there (a later boolean must not fail the job).
 */
export function deriveColumns(records: readonly unknown[]): ParquetColumn[] {
  const types = new Map<string, ParquetColumnType | undefined>();
  for (const record of records) {
    if (typeof record !== 'object' || record === null) continue;
    for (const [key, value] of Object.entries(record)) {
      if (types.get(key) === undefined) types.set(key, typeOfValue(value));
    }
  }
  return [...types].map(([name, type]) => ({ name, type: type ?? 'json', nullable: true }));
}

/** The derived column type of a value; undefined for null (the type is still open). */
export function typeOfValue(value: unknown): ParquetColumnType | undefined {
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'number':
      return 'double';
    case 'bigint':
      return 'int64';
    case 'object':
      if (value === null) return undefined;
      if (value instanceof Date) return 'timestamp';
      if (value instanceof Uint8Array) return 'bytes';
      return 'json';
    default:
      return undefined;
  }
}

function bad(reason: string): typeof BAD_VALUE {
  valueProblem.reason = reason;
  return BAD_VALUE;
}

const MS_PER_DAY = 86_400_000;

/**
 * Checks a non-null value against the column type and converts it to what the column buffers take
 * (dates to days since the epoch; an int64 safe integer stays a number, which the buffer stores as
 * 64 bits: the writer library gets bigints from it). The writer library's own errors print the value, so every value is
 * checked here first and errors name only the column.
 */
export function toColumnValue(column: ParquetColumn, v: unknown): unknown {
  switch (column.type) {
    case 'string':
      return typeof v === 'string' ? v : bad(`expected a string, got ${kind(v)}`);
    case 'boolean':
      return typeof v === 'boolean' ? v : bad(`expected a boolean, got ${kind(v)}`);
    case 'int32':
      return Number.isInteger(v) && (v as number) >= INT32_MIN && (v as number) <= INT32_MAX
        ? v
        : bad(`expected a 32-bit integer, got ${kind(v)}`);
    case 'int64':
      if (typeof v === 'bigint') return v >= INT64_MIN && v <= INT64_MAX ? v : bad('bigint beyond 64 bits');
      // A safe integer stays a number: the column buffer stores it as 64 bits without a bigint.
      return Number.isSafeInteger(v) ? v : bad(`expected a safe integer or bigint, got ${kind(v)}`);
    case 'float':
    case 'double':
      return typeof v === 'number' ? v : bad(`expected a number, got ${kind(v)}`);
    case 'timestamp':
      if (v instanceof Date) return Number.isNaN(v.getTime()) ? bad('invalid Date') : v;
      return bad(`expected a Date, got ${kind(v)}`);
    case 'date': {
      if (!(v instanceof Date)) return bad(`expected a Date, got ${kind(v)}`);
      const ms = v.getTime();
      // Buffered as the days the column stores (as hyparquet-writer would convert them): a small
      // integer, where a Date kept for the whole row group is two heap objects the GC promotes.
      return Number.isNaN(ms) ? bad('invalid Date') : Math.floor(ms / MS_PER_DAY);
    }
    case 'timestamp-micros':
      return timestampUnits(v, 1000n);
    case 'timestamp-nanos':
      return timestampUnits(v, 1_000_000n);
    case 'json':
      return v;
    case 'bytes':
      return v instanceof Uint8Array ? v : bad(`expected a Uint8Array, got ${kind(v)}`);
    case 'decimal':
      // The unscaled integer: hyparquet-writer writes a bigint as it is, exactly.
      try {
        return toUnscaledDecimal(v, column.precision ?? 38, column.scale ?? 0);
      } catch (error) {
        return bad((error as Error).message);
      }
  }
}

/** A `Date` or a bigint count of units since the epoch, as the INT64 the column holds. */
function timestampUnits(v: unknown, perMilli: bigint): unknown {
  if (typeof v === 'bigint') return v >= INT64_MIN && v <= INT64_MAX ? v : bad('bigint beyond 64 bits');
  if (!(v instanceof Date)) return bad(`expected a Date or a bigint, got ${kind(v)}`);
  const ms = v.getTime();
  return Number.isNaN(ms) ? bad('invalid Date') : BigInt(ms) * perMilli;
}

function kind(v: unknown): string {
  if (v instanceof Date) return 'a Date';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Uint8Array) return 'bytes';
  if (typeof v === 'number' && !Number.isInteger(v)) return 'a fractional number';
  return `a ${typeof v}`;
}
