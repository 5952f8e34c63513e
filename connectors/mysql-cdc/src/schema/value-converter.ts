import { TributaryError } from '@tributary/core';
import { MySqlCdcErrorCodes } from '../mysql-cdc-error-codes.js';
import type { ColumnSchema, TableSchema } from './table-schema.js';

/** A typed row: column → value (see {@link convertValue} for the types). */
export type Row = Record<string, unknown>;

type Converter = (value: unknown) => unknown;

const toBigInt: Converter = (v) => (typeof v === 'bigint' ? v : BigInt(String(v)));
const toNumber: Converter = (v) => (typeof v === 'number' ? v : Number(v));
/**
 * YEAR: the binlog stores the year minus 1900 in one byte and zongji adds 1900 back, so the
 * zero year `0000` arrives as 1900 — which YEAR (1901…2155, or 0) cannot hold otherwise.
 */
const toYear: Converter = (v) => {
  const year = Number(v);
  return year === 1900 ? 0 : year;
};
const toFloat32: Converter = (v) => Math.fround(Number(v));
const toText: Converter = (v) =>
  typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
const toBuffer: Converter = (v) =>
  Buffer.isBuffer(v) ? v : v instanceof Uint8Array ? Buffer.from(v) : Buffer.from(String(v), 'latin1');
const toJsonText: Converter = (v) =>
  typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('utf8') : JSON.stringify(v);

const BINARY_TYPES = new Set([
  'binary',
  'varbinary',
  'tinyblob',
  'blob',
  'mediumblob',
  'longblob',
  'geometry',
  'point',
  'linestring',
  'polygon',
  'multipoint',
  'multilinestring',
  'multipolygon',
  'geometrycollection',
]);

/**
 * The converter of one column. Types are the same for snapshot (mysql2 with `dateStrings`,
 * `bigNumberStrings`) and binlog (zongji) values:
 * - BIGINT (signed and unsigned) → `bigint`; other integers, YEAR, DOUBLE → `number`; FLOAT →
 *   `number` rounded to single precision (what the column stores)
 * - DECIMAL → exact decimal string
 * - DATE, DATETIME, TIMESTAMP, TIME → strings as the server prints them, fractional seconds kept
 *   to the microsecond (`0000-00-00` kept as is; TIMESTAMP in the `serverTimeZone` option)
 * - JSON → the document text; ENUM → its label; SET → comma-separated labels
 * - BINARY/VARBINARY/BLOB, BIT, spatial → `Buffer`; everything else → string
 */
export function columnConverter(column: ColumnSchema): Converter {
  const t = column.dataType;
  if (t === 'bigint') return toBigInt;
  if (t === 'tinyint' || t === 'smallint' || t === 'mediumint' || t === 'int' || t === 'integer')
    return toNumber;
  if (t === 'year') return toYear;
  // FLOAT is single precision: the binlog holds its 4 bytes, the text protocol a rounded decimal.
  if (t === 'float') return toFloat32;
  if (t === 'double' || t === 'real') return toNumber;
  if (t === 'decimal' || t === 'numeric') return toText;
  if (t === 'json') return toJsonText;
  if (t === 'bit' || BINARY_TYPES.has(t)) return toBuffer;
  // MariaDB stores JSON as LONGTEXT with a JSON_VALID check; DATA_TYPE says longtext.
  return toText;
}

/** Converts rows of one table with converters built once per schema. */
export class RowConverter {
  private readonly converters = new Map<string, Converter>();

  constructor(readonly schema: TableSchema) {
    for (const column of schema.columns) this.converters.set(column.name, columnConverter(column));
  }

  convert(raw: Row): Row {
    const row: Row = {};
    for (const name of Object.keys(raw)) {
      const value = raw[name];
      const convert = this.converters.get(name);
      if (value === null || value === undefined || convert === undefined) {
        row[name] = value ?? null;
        continue;
      }
      try {
        row[name] = convert(value);
      } catch (cause) {
        throw new TributaryError(
          MySqlCdcErrorCodes.INVALID_VALUE,
          `Cannot convert column ${this.schema.db}.${this.schema.table}.${name}: ${(cause as Error).message}`,
          { cause, context: { db: this.schema.db, table: this.schema.table, column: name } },
        );
      }
    }
    return row;
  }
}
