import {
  type ChangeRecord,
  ExactJsonValueError,
  recordInvalidError,
  type SerializationSchema,
  stringifyExactJson,
} from '@tributary/core';
import type { CanalSchema } from './canal-json-deserialization-schema.js';

type Row = Record<string, unknown>;

const TYPES = { c: 'INSERT', r: 'INSERT', u: 'UPDATE', d: 'DELETE' } as const;

/**
 * Encodes a change record as one Canal flat JSON message with one row: `c` and `r` as INSERT
 * (Canal has no snapshot read), `u` as UPDATE with `old` holding the columns of `before` whose
 * value differs from `after`, `d` as DELETE. `source.db` / `source.table` / `source.tsMs` become
 * `database` / `table` / `es`, the record `tsMs` `ts`, and a Canal `schema` (pkNames, mysqlType,
 * sqlType) is written back. Values are written as they are (bigint as an exact JSON integer);
 * records that are not change records throw `TRIB_RECORD_INVALID` naming the field.
 */
export class CanalJsonSerializationSchema implements SerializationSchema<ChangeRecord> {
  private readonly encoder = new TextEncoder();

  serialize(record: ChangeRecord): Uint8Array {
    const fail = (field: string, reason: string) =>
      recordInvalidError(`Cannot write a Canal JSON message: ${reason}`, { field });
    if (typeof record !== 'object' || record === null)
      throw fail('', 'the record is not a change record object');
    const type = TYPES[record.op];
    if (type === undefined) throw fail('op', "'op' must be one of c, u, d, r");
    const before = record.before ?? null;
    const after = record.after ?? null;
    if (record.op === 'd' && before === null) throw fail('before', "a delete ('d') needs the 'before' row");
    if (record.op !== 'd' && after === null) throw fail('after', `op '${record.op}' needs the 'after' row`);
    if (record.op === 'u' && before === null)
      throw fail('before', "an update ('u') needs the 'before' row: Canal's 'old' holds its changed columns");

    const message: Row = {
      data: [record.op === 'd' ? before : after],
      database: record.source?.db ?? '',
      es: record.source?.tsMs ?? 0,
      isDdl: false,
      table: record.source?.table ?? '',
      ts: record.tsMs ?? 0,
      type,
    };
    if (record.op === 'u') message.old = [changedColumns(before as Row, after as Row, fail)];
    const schema = record.schema as CanalSchema | undefined;
    if (schema?.pkNames !== undefined) message.pkNames = schema.pkNames;
    if (schema?.mysqlType !== undefined) message.mysqlType = schema.mysqlType;
    if (schema?.sqlType !== undefined) message.sqlType = schema.sqlType;
    try {
      return this.encoder.encode(stringifyExactJson(message));
    } catch (error) {
      if (error instanceof ExactJsonValueError)
        throw fail(error.path.replace(/^data\[0\]/, record.op === 'd' ? 'before' : 'after'), error.message);
      throw error;
    }
  }
}

/** The columns of `before` whose value differs from `after` (or that `after` lacks). */
function changedColumns(before: Row, after: Row, fail: (field: string, reason: string) => Error): Row {
  const old: Row = {};
  for (const [column, value] of Object.entries(before)) {
    if (value === undefined) continue;
    if (!(column in after) || !sameJson(value, after[column], column, fail)) old[column] = value;
  }
  return old;
}

function sameJson(
  a: unknown,
  b: unknown,
  column: string,
  fail: (field: string, reason: string) => Error,
): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  try {
    return stringifyExactJson(a) === stringifyExactJson(b);
  } catch (error) {
    if (error instanceof ExactJsonValueError) throw fail(`before.${column}`, error.message);
    throw error;
  }
}
