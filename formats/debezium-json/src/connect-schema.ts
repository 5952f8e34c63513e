import { decodeConnectDecimal, encodeConnectDecimal } from './connect-decimal.js';
import {
  dateFromEpochDays,
  epochDaysFromDate,
  epochFromTimestamp,
  type FractionDigits,
  timeFromUnits,
  timestampFromEpoch,
  unitsFromTime,
  utcTextFromZoned,
  zonedFromUtcText,
} from './connect-temporal.js';

/** A Kafka Connect schema as Debezium writes it in the JSON envelope. */
export interface ConnectSchema {
  readonly type: string;
  readonly optional?: boolean;
  readonly name?: string;
  readonly field?: string;
  readonly parameters?: Readonly<Record<string, string>>;
  readonly fields?: readonly ConnectSchema[];
}

const DECIMAL = 'org.apache.kafka.connect.data.Decimal';
const VARIABLE_SCALE_DECIMAL = 'io.debezium.data.VariableScaleDecimal';
const BITS = 'io.debezium.data.Bits';

type Row = Record<string, unknown>;

/** The column schemas of the envelope's `before` / `after` struct, by column name. */
export function rowColumns(
  envelope: unknown,
  part: 'before' | 'after',
): Map<string, ConnectSchema> | undefined {
  const fields = (envelope as ConnectSchema | undefined)?.fields;
  if (!Array.isArray(fields)) return undefined;
  const row = fields.find((f) => f?.field === part);
  if (!Array.isArray(row?.fields)) return undefined;
  return new Map(row.fields.map((column: ConnectSchema) => [column.field as string, column]));
}

/** Result of decoding/encoding a row: the row, or the column that could not be converted and why. */
export type RowConversion = { readonly row: Row } | { readonly column: string; readonly reason: string };

/**
 * Decodes a row by its column schemas to the values the Tributary MySQL CDC source emits for the
 * same columns: Decimal → exact decimal string, bytes → `Buffer`, `Bits` → `Buffer` (big-endian,
 * as MySQL stores BIT), float32 → single precision, Debezium's temporal types → MySQL's text.
 */
export function decodeRow(row: Row, columns: Map<string, ConnectSchema>): RowConversion {
  let out: Row | undefined;
  for (const [name, value] of Object.entries(row)) {
    const schema = columns.get(name);
    if (value === null || schema === undefined) continue;
    const decoded = decodeValue(value, schema);
    if (decoded === UNCHANGED) continue;
    if (decoded instanceof Problem) return { column: name, reason: decoded.reason };
    out ??= { ...row };
    out[name] = decoded;
  }
  return { row: out ?? row };
}

const UNCHANGED = Symbol('unchanged');
/** Why a value does not fit its column schema. */
class Problem {
  constructor(readonly reason: string) {}
}
/** A converted value, {@link UNCHANGED}, or a {@link Problem}. */
type Converted = unknown;
const problem = (reason: string) => new Problem(reason);

function decodeValue(value: unknown, schema: ConnectSchema): Converted {
  switch (schema.name) {
    case DECIMAL: {
      const scale = scaleOf(schema);
      if (scale === undefined) return problem('has a Decimal schema without an integer scale');
      if (typeof value !== 'string') return problem('is a Decimal but not a base64 string');
      return decodeConnectDecimal(value, scale) ?? problem('is a Decimal but not valid base64');
    }
    case VARIABLE_SCALE_DECIMAL: {
      const v = value as { scale?: unknown; value?: unknown };
      if (typeof v !== 'object' || !Number.isInteger(v.scale) || typeof v.value !== 'string')
        return problem('is a VariableScaleDecimal but not {scale, value}');
      return (
        decodeConnectDecimal(v.value, v.scale as number) ??
        problem('is a VariableScaleDecimal but not valid base64')
      );
    }
    case BITS: {
      const bytes = base64Bytes(value);
      // Debezium writes BIT(n) little-endian; MySQL (and the CDC source) big-endian, ceil(n/8) bytes.
      return bytes === undefined ? problem('is Bits but not a base64 string') : bitsBigEndian(bytes, schema);
    }
    case undefined:
      if (schema.type === 'bytes') return base64Bytes(value) ?? problem('is bytes but not a base64 string');
      if (schema.type === 'float')
        return typeof value === 'number' ? Math.fround(value) : problem('is a float but not a number');
      return UNCHANGED;
    default: {
      const temporal = TEMPORAL[schema.name];
      if (temporal === undefined) return UNCHANGED;
      return temporal.decode(value) ?? problem(`is ${schema.name} but not ${temporal.expected}`);
    }
  }
}

/**
 * Encodes values back to the column schemas (the inverse of {@link decodeRow}): decimal strings
 * → Decimal, `Uint8Array` → base64 (Bits little-endian), MySQL temporal text → Debezium's
 * numbers or ISO text. Values already in Debezium's encoding are left as they are.
 */
export function encodeRow(row: Row, columns: Map<string, ConnectSchema>): RowConversion {
  let out: Row | undefined;
  for (const [name, value] of Object.entries(row)) {
    const schema = columns.get(name);
    if (value === null || value === undefined || schema === undefined) continue;
    const encoded = encodeValue(value, schema);
    if (encoded === UNCHANGED) continue;
    if (encoded instanceof Problem) return { column: name, reason: encoded.reason };
    out ??= { ...row };
    out[name] = encoded;
  }
  return { row: out ?? row };
}

function encodeValue(value: unknown, schema: ConnectSchema): Converted {
  if (schema.name === DECIMAL || schema.name === VARIABLE_SCALE_DECIMAL) {
    const text = typeof value === 'bigint' || typeof value === 'number' ? String(value) : value;
    if (typeof text !== 'string' || !/^-?\d+(\.\d+)?$/.test(text))
      return problem('is a Decimal column but not a decimal string or integer');
    if (schema.name === VARIABLE_SCALE_DECIMAL) {
      const scale = text.includes('.') ? text.length - text.indexOf('.') - 1 : 0;
      return { scale, value: encodeConnectDecimal(text, scale) };
    }
    const scale = scaleOf(schema);
    if (scale === undefined) return problem('has a Decimal schema without an integer scale');
    return encodeConnectDecimal(text, scale) ?? problem(`has more fraction digits than the scale ${scale}`);
  }
  if (schema.name === BITS)
    return value instanceof Uint8Array ? base64(Uint8Array.from(value).reverse()) : UNCHANGED;
  if (schema.name === undefined)
    return schema.type === 'bytes' && value instanceof Uint8Array ? base64(value) : UNCHANGED;
  const temporal = TEMPORAL[schema.name];
  if (temporal === undefined || typeof value !== 'string') return UNCHANGED;
  return temporal.encode(value) ?? problem(`is ${schema.name} but not ${temporal.text}`);
}

interface TemporalCodec {
  readonly expected: string;
  readonly text: string;
  decode(value: unknown): string | undefined;
  encode(text: string): unknown;
}

const integerOf = (value: unknown): number | bigint | undefined =>
  typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value)) ? value : undefined;
const numeric = (units: bigint | undefined): number | bigint | undefined =>
  units === undefined ? undefined : units >= -MAX_SAFE && units <= MAX_SAFE ? Number(units) : units;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function timeCodec(digits: FractionDigits): TemporalCodec {
  return {
    expected: 'an integer',
    text: '[-]HH:MM:SS[.fraction] text',
    decode: (v) => {
      const n = integerOf(v);
      return n === undefined ? undefined : timeFromUnits(n, digits);
    },
    encode: (t) => numeric(unitsFromTime(t, digits)),
  };
}

function timestampCodec(digits: FractionDigits): TemporalCodec {
  return {
    expected: 'an integer',
    text: 'YYYY-MM-DD HH:MM:SS[.fraction] text',
    decode: (v) => {
      const n = integerOf(v);
      return n === undefined ? undefined : timestampFromEpoch(n, digits);
    },
    encode: (t) => numeric(epochFromTimestamp(t, digits)),
  };
}

/** Debezium's temporal logical types (`time.precision.mode` adaptive or connect). */
const TEMPORAL: Readonly<Record<string, TemporalCodec>> = {
  'io.debezium.time.Date': {
    expected: 'an integer',
    text: 'YYYY-MM-DD text',
    decode: (v) => (typeof v === 'number' && Number.isInteger(v) ? dateFromEpochDays(v) : undefined),
    encode: (t) => epochDaysFromDate(t),
  },
  'io.debezium.time.Time': timeCodec(3),
  'io.debezium.time.MicroTime': timeCodec(6),
  'io.debezium.time.NanoTime': timeCodec(9),
  'io.debezium.time.Timestamp': timestampCodec(3),
  'io.debezium.time.MicroTimestamp': timestampCodec(6),
  'io.debezium.time.NanoTimestamp': timestampCodec(9),
  'io.debezium.time.ZonedTimestamp': {
    expected: 'UTC ISO-8601 text',
    text: 'YYYY-MM-DD HH:MM:SS[.fraction] text',
    decode: (v) => (typeof v === 'string' ? utcTextFromZoned(v) : undefined),
    // Text already in ISO form ("…T…Z") is Debezium's own and stays.
    encode: (t) => (t.endsWith('Z') ? t : zonedFromUtcText(t)),
  },
};

function base64Bytes(value: unknown): Buffer | undefined {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0)
    return undefined;
  return Buffer.from(value, 'base64');
}

function bitsBigEndian(littleEndian: Buffer, schema: ConnectSchema): Buffer {
  const bits = Number(schema.parameters?.length);
  const width = Number.isInteger(bits) && bits > 0 ? Math.ceil(bits / 8) : littleEndian.length;
  const out = Buffer.alloc(Math.max(width, littleEndian.length));
  littleEndian.forEach((byte, i) => {
    out[out.length - 1 - i] = byte;
  });
  return out;
}

/** Uint8Array → base64, the JSON converter's encoding of Connect `bytes`. */
export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function scaleOf(schema: ConnectSchema): number | undefined {
  const scale = Number(schema.parameters?.scale);
  return Number.isInteger(scale) ? scale : undefined;
}

/**
 * A Debezium envelope schema inferred from row values, for writing with `schemaInclude` when the
 * record has no `schema`: strings, booleans, int64 (integers, bigint), double and bytes (`Uint8Array`). Nested values
 * cannot be inferred; the result names the column.
 */
export function inferEnvelopeSchema(
  rows: readonly (Row | null | undefined)[],
  name: string,
): ConnectSchema | { readonly column: string; readonly reason: string } {
  const types = new Map<string, string>();
  for (const row of rows) {
    if (row === null || row === undefined) continue;
    for (const [column, value] of Object.entries(row)) {
      const type = connectTypeOf(value);
      if (type === undefined)
        return {
          column,
          reason: 'holds a nested value; pass the record `schema` to write it with schemaInclude',
        };
      if (type === 'null') {
        if (!types.has(column)) types.set(column, 'null');
        continue;
      }
      const seen = types.get(column);
      if (seen !== undefined && seen !== 'null' && seen !== type) {
        if ((seen === 'int64' && type === 'double') || (seen === 'double' && type === 'int64'))
          types.set(column, 'double');
        else return { column, reason: `holds both ${seen} and ${type} values` };
      } else types.set(column, type);
    }
  }
  const fields = [...types].map(([field, type]) => ({
    type: type === 'null' ? 'string' : type,
    optional: true,
    field,
  }));
  const value = { type: 'struct', fields, optional: true, name: `${name}.Value` };
  return {
    type: 'struct',
    name: `${name}.Envelope`,
    optional: false,
    fields: [
      { ...value, field: 'before' },
      { ...value, field: 'after' },
      { type: 'string', optional: false, field: 'op' },
      { type: 'int64', optional: true, field: 'ts_ms' },
    ],
  };
}

function connectTypeOf(value: unknown): string | undefined {
  if (value instanceof Uint8Array) return 'bytes';
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'bigint':
      return 'int64';
    case 'number':
      return Number.isInteger(value) ? 'int64' : 'double';
    default:
      return value === null || value === undefined ? 'null' : undefined;
  }
}
