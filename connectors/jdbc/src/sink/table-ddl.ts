import { BigDecimal } from '../dialect/big-decimal.js';
import type { DialectName } from '../dialect/connection-options.js';
import type { Row } from '../dialect/dialect.js';

type SqlTypes = Record<
  | 'integer'
  | 'bigint'
  | 'double'
  | 'text'
  | 'keyText'
  | 'boolean'
  | 'instant'
  | 'bytes'
  | 'keyBytes'
  | 'decimal'
  | 'json',
  string
>;

/** The column type a record value gets when the sink creates a table or adds a column. */
const TYPES: Record<DialectName, SqlTypes> = {
  postgres: {
    integer: 'BIGINT',
    bigint: 'BIGINT',
    double: 'DOUBLE PRECISION',
    text: 'TEXT',
    keyText: 'TEXT',
    boolean: 'BOOLEAN',
    instant: 'TIMESTAMPTZ',
    bytes: 'BYTEA',
    keyBytes: 'BYTEA',
    decimal: 'NUMERIC',
    json: 'JSONB',
  },
  mysql: {
    integer: 'BIGINT',
    bigint: 'BIGINT',
    double: 'DOUBLE',
    text: 'TEXT',
    // Key columns need a length (an index cannot cover a TEXT/BLOB).
    keyText: 'VARCHAR(255)',
    boolean: 'BOOLEAN',
    // DATETIME, not TIMESTAMP (1970–2038): the UTC wall time of the instant (sessions are UTC).
    instant: 'DATETIME(3)',
    bytes: 'LONGBLOB',
    keyBytes: 'VARBINARY(255)',
    decimal: 'DECIMAL(65,30)',
    json: 'JSON',
  },
  sqlite: {
    integer: 'INTEGER',
    bigint: 'BIGINT',
    double: 'REAL',
    text: 'TEXT',
    keyText: 'TEXT',
    boolean: 'BOOLEAN',
    instant: 'TEXT',
    bytes: 'BLOB',
    keyBytes: 'BLOB',
    // TEXT affinity keeps every digit (a DECIMAL column would store a double).
    decimal: 'DECIMAL_TEXT',
    json: 'TEXT',
  },
};

/** The type of a column from its first non-null value in the batch (TEXT when all are null). */
export function columnTypeOf(dialect: DialectName, value: unknown, isKey: boolean): string {
  const types = TYPES[dialect];
  if (value === null || value === undefined || typeof value === 'string')
    return isKey ? types.keyText : types.text;
  if (typeof value === 'number') return Number.isInteger(value) ? types.integer : types.double;
  if (typeof value === 'bigint') return types.bigint;
  if (typeof value === 'boolean') return types.boolean;
  if (value instanceof Date) return types.instant;
  if (value instanceof BigDecimal) return types.decimal;
  if (ArrayBuffer.isView(value)) return isKey ? types.keyBytes : types.bytes;
  return types.json;
}

/** Fields of the rows (first-seen order) with the type of their first non-null value. */
export function inferColumns(
  dialect: DialectName,
  rows: readonly Row[],
  keys: readonly string[],
  declared: Readonly<Record<string, string>>,
): { name: string; type: string }[] {
  const firstValue = new Map<string, unknown>();
  for (const row of rows) {
    for (const [field, value] of Object.entries(row)) {
      if (
        !firstValue.has(field) ||
        ((firstValue.get(field) ?? null) === null && value !== null && value !== undefined)
      )
        firstValue.set(field, value);
    }
  }
  return [...firstValue].map(([name, value]) => ({
    name,
    type: declared[name] ?? columnTypeOf(dialect, value, keys.includes(name)),
  }));
}
