import {
  type ChangeRecord,
  type ChangeSource,
  type DeserializationSchema,
  ExactJsonSyntaxError,
  parseExactJson,
  type RecordOrigin,
  recordInvalidError,
} from '@tributary/core';
import { type CanalJsonConfig, CanalJsonOptions } from './canal-json-options.js';

type Row = Record<string, unknown>;
const NONE: readonly ChangeRecord[] = Object.freeze([]);

/** Canal's type metadata of a message, kept as the record `schema` so writing it back keeps it. */
export interface CanalSchema {
  readonly pkNames?: readonly string[];
  readonly mysqlType?: Readonly<Record<string, string>>;
  readonly sqlType?: Readonly<Record<string, number>>;
}

/**
 * Decodes one Canal flat JSON message to change records, one per row of `data`: INSERT → `c` with
 * `after`, DELETE → `d` with `before`, UPDATE → `u` with `after` and `before` = the row with the
 * previous values in `old` (Canal lists only the changed columns there). Values keep their JSON
 * text (Canal writes every column as a string, so DECIMAL and BIGINT stay exact). DDL messages and
 * messages outside `databaseInclude` / `tableInclude` yield no records. A malformed message throws
 * `TRIB_RECORD_INVALID` naming the origin and field (`type`, `data[2]`, `old`). Use with
 * `flatMap((records) => records)`.
 */
export class CanalJsonDeserializationSchema implements DeserializationSchema<readonly ChangeRecord[]> {
  private readonly ddl: 'skip' | 'fail';
  private readonly database: RegExp | undefined;
  private readonly table: RegExp | undefined;
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: false });

  constructor(options: CanalJsonConfig = {}) {
    const resolved = CanalJsonOptions.parse(options);
    this.ddl = resolved.ddl;
    this.database =
      resolved.databaseInclude === undefined ? undefined : new RegExp(`^(?:${resolved.databaseInclude})$`);
    this.table =
      resolved.tableInclude === undefined ? undefined : new RegExp(`^(?:${resolved.tableInclude})$`);
  }

  deserialize(bytes: Uint8Array, origin?: RecordOrigin): readonly ChangeRecord[] {
    const fail = (field: string | undefined, reason: string) =>
      recordInvalidError(`Invalid Canal JSON message: ${reason}`, { origin, field });
    let message: unknown;
    try {
      message = parseExactJson(this.decoder.decode(bytes));
    } catch (error) {
      throw fail(undefined, error instanceof ExactJsonSyntaxError ? error.message : 'unreadable');
    }
    if (!isObject(message)) throw fail(undefined, 'the message is not a JSON object');
    const db = optionalString(message, 'database', fail);
    const table = optionalString(message, 'table', fail);
    if (this.database !== undefined && !this.database.test(db ?? '')) return NONE;
    if (this.table !== undefined && !this.table.test(table ?? '')) return NONE;

    if (message.isDdl === true) {
      if (this.ddl === 'skip') return NONE;
      throw fail(
        'isDdl',
        `a DDL message (${describeType(message.type)}) on '${db ?? ''}.${table ?? ''}' (ddl: 'fail')`,
      );
    }
    const type = message.type;
    if (type !== 'INSERT' && type !== 'UPDATE' && type !== 'DELETE')
      throw fail(
        'type',
        `'type' must be INSERT, UPDATE or DELETE for a row change, not ${describeType(type)}`,
      );
    const data = message.data;
    if (!Array.isArray(data)) throw fail('data', "'data' must be an array of rows");
    const old = message.old;
    if (type === 'UPDATE' && (!Array.isArray(old) || old.length !== data.length))
      throw fail('old', "an UPDATE needs 'old', an array with one entry per row of 'data'");

    const source: { -readonly [K in keyof ChangeSource]: ChangeSource[K] } = {};
    if (db !== undefined) source.db = db;
    if (table !== undefined) source.table = table;
    const es = message.es;
    if (es !== undefined && es !== null) {
      if (typeof es !== 'number') throw fail('es', "'es' must be a number (epoch milliseconds)");
      source.tsMs = es;
    }
    const ts = message.ts;
    if (ts !== undefined && ts !== null && typeof ts !== 'number') throw fail('ts', "'ts' must be a number");
    const schema = readSchema(message, fail);

    const records: ChangeRecord[] = [];
    data.forEach((row: unknown, index) => {
      if (!isObject(row)) throw fail(`data[${index}]`, `row ${index} of 'data' is not an object`);
      const common = {
        source,
        ...(typeof ts === 'number' ? { tsMs: ts } : {}),
        ...(schema === undefined ? {} : { schema }),
      };
      if (type === 'INSERT') records.push({ op: 'c', before: null, after: row, ...common });
      else if (type === 'DELETE') records.push({ op: 'd', before: row, after: null, ...common });
      else {
        const previous = (old as unknown[])[index];
        if (!isObject(previous)) throw fail(`old[${index}]`, `entry ${index} of 'old' is not an object`);
        records.push({ op: 'u', before: { ...row, ...previous }, after: row, ...common });
      }
    });
    return records;
  }
}

function readSchema(message: Row, fail: (field: string, reason: string) => Error): CanalSchema | undefined {
  const schema: { -readonly [K in keyof CanalSchema]: CanalSchema[K] } = {};
  const { pkNames, mysqlType, sqlType } = message;
  if (pkNames !== undefined && pkNames !== null) {
    if (!Array.isArray(pkNames) || !pkNames.every((n) => typeof n === 'string'))
      throw fail('pkNames', "'pkNames' must be an array of column names");
    schema.pkNames = pkNames;
  }
  if (isObject(mysqlType)) schema.mysqlType = mysqlType as Record<string, string>;
  if (isObject(sqlType)) schema.sqlType = sqlType as Record<string, number>;
  return Object.keys(schema).length === 0 ? undefined : schema;
}

function optionalString(
  message: Row,
  key: string,
  fail: (field: string, reason: string) => Error,
): string | undefined {
  const value = message[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw fail(key, `'${key}' must be a string`);
  return value;
}

function isObject(value: unknown): value is Row {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeType(value: unknown): string {
  return typeof value === 'string'
    ? `'${value.slice(0, 16)}'`
    : value === undefined
      ? 'missing'
      : typeof value;
}
