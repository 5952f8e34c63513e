import { decodeConnectDecimal, encodeConnectDecimal } from './connect-decimal.js';

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

/** Decodes Decimal columns (base64 bytes) to exact decimal strings by the schema. */
export function decodeRow(row: Row, columns: Map<string, ConnectSchema>): RowConversion {
  let out: Row | undefined;
  for (const [name, value] of Object.entries(row)) {
    const schema = columns.get(name);
    if (value === null || schema === undefined) continue;
    let decoded: string | undefined;
    if (schema.name === DECIMAL) {
      const scale = scaleOf(schema);
      if (scale === undefined)
        return { column: name, reason: 'has a Decimal schema without an integer scale' };
      if (typeof value !== 'string') return { column: name, reason: 'is a Decimal but not a base64 string' };
      decoded = decodeConnectDecimal(value, scale);
      if (decoded === undefined) return { column: name, reason: 'is a Decimal but not valid base64' };
    } else if (schema.name === VARIABLE_SCALE_DECIMAL) {
      const v = value as { scale?: unknown; value?: unknown };
      if (typeof v !== 'object' || !Number.isInteger(v.scale) || typeof v.value !== 'string')
        return { column: name, reason: 'is a VariableScaleDecimal but not {scale, value}' };
      decoded = decodeConnectDecimal(v.value, v.scale as number);
      if (decoded === undefined)
        return { column: name, reason: 'is a VariableScaleDecimal but not valid base64' };
    } else continue;
    out ??= { ...row };
    out[name] = decoded;
  }
  return { row: out ?? row };
}

/** Encodes decimal strings back to the schema's Decimal representation (the inverse of {@link decodeRow}). */
export function encodeRow(row: Row, columns: Map<string, ConnectSchema>): RowConversion {
  let out: Row | undefined;
  for (const [name, value] of Object.entries(row)) {
    const schema = columns.get(name);
    if (value === null || value === undefined || schema === undefined) continue;
    if (schema.name !== DECIMAL && schema.name !== VARIABLE_SCALE_DECIMAL) continue;
    const text = typeof value === 'bigint' || typeof value === 'number' ? String(value) : value;
    if (typeof text !== 'string' || !/^-?\d+(\.\d+)?$/.test(text))
      return { column: name, reason: 'is a Decimal column but not a decimal string or integer' };
    let encoded: unknown;
    if (schema.name === DECIMAL) {
      const scale = scaleOf(schema);
      if (scale === undefined)
        return { column: name, reason: 'has a Decimal schema without an integer scale' };
      encoded = encodeConnectDecimal(text, scale);
      if (encoded === undefined)
        return { column: name, reason: `has more fraction digits than the scale ${scale}` };
    } else {
      const scale = text.includes('.') ? text.length - text.indexOf('.') - 1 : 0;
      encoded = { scale, value: encodeConnectDecimal(text, scale) };
    }
    out ??= { ...row };
    out[name] = encoded;
  }
  return { row: out ?? row };
}

function scaleOf(schema: ConnectSchema): number | undefined {
  const scale = Number(schema.parameters?.scale);
  return Number.isInteger(scale) ? scale : undefined;
}

/**
 * A Debezium envelope schema inferred from row values, for writing with `schemaInclude` when the
 * record has no `schema`: strings, booleans, int64 (integers, bigint) and double. Nested values
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
