import { TributaryError } from '@tributary/core';
import { JdbcErrorCodes } from '../jdbc-error-codes.js';
import { encodeKey, type KeyValue } from './jdbc-source-split.js';

/**
 * How a range-partitioned column's values are cut: integers by value, instants (drivers return a
 * `Date`) and date/timestamp text (as stored: `2024-05-01`, `2024-05-01 10:00:00.5`) by time.
 */
export type PartitionKind =
  | { readonly kind: 'integer' }
  | { readonly kind: 'instant' }
  | { readonly kind: 'date-text' }
  | { readonly kind: 'timestamp-text'; readonly separator: 'T' | ' '; readonly zoned: boolean };

const DATE_TEXT = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP_TEXT =
  /^(\d{4}-\d{2}-\d{2})([T ])(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}(?::?\d{2})?)?$/;
const DAY_MS = 86_400_000;

/** The kind of a partition column, from one of its values (or a bound the user gave). */
export function partitionKindOf(value: unknown, column: string): PartitionKind {
  if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value)))
    return { kind: 'integer' };
  if (value instanceof Date) return { kind: 'instant' };
  if (typeof value === 'string') {
    if (/^-?\d+$/.test(value)) return { kind: 'integer' };
    if (DATE_TEXT.test(value)) return { kind: 'date-text' };
    const match = TIMESTAMP_TEXT.exec(value);
    if (match !== null)
      return {
        kind: 'timestamp-text',
        separator: match[2] === 'T' ? 'T' : ' ',
        zoned: match[4] !== undefined,
      };
  }
  throw new TributaryError(
    JdbcErrorCodes.INVALID_TABLE_OPTIONS,
    `partitionColumn '${column}' must be an integer, date or timestamp column to split by range (got a ${value === null ? 'null' : typeof value} value): use partitionStrategy 'key-boundaries' for other columns`,
    { context: { option: 'partitionColumn', column } },
  );
}

/** A bound as a number on the kind's axis: the integer itself, epoch ms, or epoch days. */
export function toAxis(value: unknown, kind: PartitionKind, option: string): bigint {
  if (kind.kind === 'integer') {
    if (typeof value === 'bigint') return value;
    if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
    if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  } else {
    const ms = epochMs(value);
    if (ms !== undefined) return BigInt(kind.kind === 'date-text' ? Math.floor(ms / DAY_MS) : ms);
  }
  throw new TributaryError(
    JdbcErrorCodes.INVALID_TABLE_OPTIONS,
    `${option} must be ${kind.kind === 'integer' ? 'an integer' : 'a date or timestamp'} like the partition column's values, got ${JSON.stringify(String(value))}`,
    { context: { option } },
  );
}

/** A point of the axis as the split stores it (checkpoint-encoded, bound as the column's values). */
export function fromAxis(point: bigint, kind: PartitionKind): KeyValue {
  switch (kind.kind) {
    case 'integer':
      return point.toString();
    case 'instant':
      return encodeKey([new Date(Number(point))])[0] as KeyValue;
    case 'date-text':
      return new Date(Number(point) * DAY_MS).toISOString().slice(0, 10);
    case 'timestamp-text': {
      const iso = new Date(Number(point)).toISOString(); // 2024-05-01T10:00:00.000Z
      const text = `${iso.slice(0, 10)}${kind.separator}${iso.slice(11, 23)}`;
      return kind.zoned ? `${text}Z` : text;
    }
  }
}

/** Milliseconds since the epoch; text without a zone is read as UTC (only the cut points use it). */
function epochMs(value: unknown): number | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.getTime();
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value !== 'string') return undefined;
  if (DATE_TEXT.test(value)) return Date.parse(`${value}T00:00:00Z`);
  const match = TIMESTAMP_TEXT.exec(value);
  if (match === null) return undefined;
  const [, day, , time, zone] = match as unknown as [string, string, string, string, string | undefined];
  const [clock = '', fraction = ''] = time.split('.');
  const offset = zone === undefined || zone === 'Z' ? 'Z' : normalOffset(zone);
  const ms = Date.parse(
    `${day}T${clock.length === 5 ? `${clock}:00` : clock}.${fraction.padEnd(3, '0').slice(0, 3)}${offset}`,
  );
  return Number.isNaN(ms) ? undefined : ms;
}

/** `+02`, `+0200` → `+02:00` (what Date.parse takes). */
function normalOffset(zone: string): string {
  const digits = zone.slice(1).replace(':', '').padEnd(4, '0');
  return `${zone[0]}${digits.slice(0, 2)}:${digits.slice(2, 4)}`;
}
