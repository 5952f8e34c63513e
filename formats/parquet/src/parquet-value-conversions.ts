import { type DecimalsMode, decimalValue, unscaledFromBytes } from '@tributary/core';
import type { FileMetaData, ParquetParsers, SchemaElement } from 'hyparquet';

/** How timestamps read: `Date` (milliseconds, floored) or an exact ISO 8601 string in the column's unit. */
export type TimestampsMode = 'date' | 'string';

/**
 * Value parsers handed to hyparquet. Its defaults strip a leading U+FEFF from strings (a BOM-eating
 * TextDecoder) and divide sub-millisecond timestamps toward zero, which moves times before 1970 a
 * millisecond later (another day, even another year); these keep strings byte-exact and floor.
 */
export function parquetParsers(timestamps: TimestampsMode): Partial<ParquetParsers> {
  const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
  const stringFromBytes = (bytes: Uint8Array | undefined) => bytes && utf8.decode(bytes);
  if (timestamps === 'string') {
    return {
      stringFromBytes,
      timestampFromMilliseconds: (millis) => isoTimestamp(millis, 1n, 0),
      timestampFromMicroseconds: (micros) => isoTimestamp(micros, 1000n, 3),
      timestampFromNanoseconds: (nanos) => isoTimestamp(nanos, 1_000_000n, 6),
    };
  }
  return {
    stringFromBytes,
    timestampFromMilliseconds: (millis) => new Date(Number(millis)),
    timestampFromMicroseconds: (micros) => new Date(Number(floorDiv(BigInt(micros), 1000n))),
    timestampFromNanoseconds: (nanos) => new Date(Number(floorDiv(BigInt(nanos), 1_000_000n))),
  };
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b < 0n ? q - 1n : q;
}

/** `2024-05-01T10:00:00.123456Z`: the millisecond ISO string with the sub-millisecond digits appended. */
function isoTimestamp(value: bigint, perMilli: bigint, extraDigits: number): string {
  const v = BigInt(value);
  const millis = floorDiv(v, perMilli);
  const iso = new Date(Number(millis)).toISOString();
  if (extraDigits === 0) return iso;
  const rest = (v - millis * perMilli).toString().padStart(extraDigits, '0');
  return `${iso.slice(0, -1)}${rest}Z`;
}

/** A top-level column whose values this package converts itself after hyparquet read them raw. */
export interface RawColumn {
  readonly name: string;
  /** `group`: a nested column, which hyparquet leaves `undefined` when null. */
  readonly kind: 'decimal' | 'interval' | 'group';
  readonly precision: number;
  readonly scale: number;
}

/**
 * The metadata hyparquet reads with, and the columns converted afterwards: DECIMAL columns (hyparquet
 * goes through a double, inexact beyond 15 digits) and INTERVAL columns (hyparquet fails the whole
 * file) are read as their physical values. Nested INTERVAL fields come back as their 12 raw bytes.
 */
export function rawColumnsOf(
  metadata: FileMetaData,
  binaryAsString: boolean,
): { metadata: FileMetaData; raw: RawColumn[] } {
  const raw: RawColumn[] = [];
  const topLevel = topLevelIndexes(metadata.schema);
  const schema = metadata.schema.map((element, index) => {
    const isTop = topLevel.has(index);
    if (element.num_children !== undefined) {
      if (isTop) raw.push({ name: element.name, kind: 'group', precision: 0, scale: 0 });
      return element;
    }
    if (isInterval(element)) {
      if (isTop) raw.push({ name: element.name, kind: 'interval', precision: 0, scale: 0 });
      return stripped(element);
    }
    if (!isTop || !isDecimal(element)) return element;
    // A BYTE_ARRAY read as text cannot give its bytes back; hyparquet's conversion stays.
    if (binaryAsString && element.type === 'BYTE_ARRAY') return element;
    const decimal = element.logical_type?.type === 'DECIMAL' ? element.logical_type : element;
    raw.push({
      name: element.name,
      kind: 'decimal',
      precision: decimal.precision ?? element.precision ?? 38,
      scale: decimal.scale ?? element.scale ?? 0,
    });
    return stripped(element);
  });
  const changed = raw.some((c) => c.kind !== 'group');
  return { metadata: changed ? { ...metadata, schema } : metadata, raw };
}

/** Converts the raw values of `columns` in place. */
export function convertRawColumns(
  rows: Record<string, unknown>[],
  columns: readonly RawColumn[],
  decimals: DecimalsMode,
): void {
  for (const column of columns) {
    const { name } = column;
    for (const row of rows) {
      const v = row[name];
      if (v === undefined && name in row) row[name] = null;
      if (v === null || v === undefined) continue;
      if (column.kind === 'group') continue;
      row[name] = column.kind === 'interval' ? intervalOf(v as Uint8Array) : decimalOf(v, column, decimals);
    }
  }
}

function decimalOf(v: unknown, column: RawColumn, mode: DecimalsMode): string | number {
  const unscaled =
    v instanceof Uint8Array ? unscaledFromBytes(v) : typeof v === 'bigint' ? v : BigInt(v as number);
  return decimalValue(unscaled, column.precision, column.scale, mode);
}

/** Parquet INTERVAL: three little-endian unsigned 32-bit integers. */
function intervalOf(bytes: Uint8Array): { months: number; days: number; milliseconds: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    months: view.getUint32(0, true),
    days: view.getUint32(4, true),
    milliseconds: view.getUint32(8, true),
  };
}

function isDecimal(element: SchemaElement): boolean {
  return element.converted_type === 'DECIMAL' || element.logical_type?.type === 'DECIMAL';
}

function isInterval(element: SchemaElement): boolean {
  return element.converted_type === 'INTERVAL' || (element.logical_type?.type as string) === 'INTERVAL';
}

function stripped(element: SchemaElement): SchemaElement {
  const { converted_type: _c, logical_type: _l, ...rest } = element;
  return rest;
}

/** Indexes of the root's direct children in the flattened schema. */
function topLevelIndexes(schema: readonly SchemaElement[]): Set<number> {
  const out = new Set<number>();
  let index = 1;
  const skip = (at: number): number => {
    let next = at + 1;
    for (let c = 0; c < ((schema[at] as SchemaElement).num_children ?? 0); c++) next = skip(next);
    return next;
  };
  for (let c = 0; c < ((schema[0] as SchemaElement | undefined)?.num_children ?? 0); c++) {
    out.add(index);
    index = skip(index);
  }
  return out;
}
