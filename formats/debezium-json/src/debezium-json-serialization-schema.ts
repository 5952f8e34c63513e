import {
  type ChangeRecord,
  ExactJsonValueError,
  recordInvalidError,
  type SerializationSchema,
  stringifyExactJson,
} from '@tributary/core';
import { base64, type ConnectSchema, encodeRow, inferEnvelopeSchema, rowColumns } from './connect-schema.js';
import {
  type DebeziumJsonConfig,
  DebeziumJsonOptions,
  type ResolvedDebeziumJsonOptions,
} from './debezium-json-options.js';

type Row = Record<string, unknown>;

/**
 * Encodes a change record as one Debezium JSON message (`{before, after, source, op, ts_ms}`,
 * inside `{schema, payload}` with `schemaInclude`). Bigints are written as exact JSON integers;
 * binary values (`Uint8Array`, `Buffer`) as base64 like Kafka Connect's `bytes`; with a schema,
 * decimal strings and MySQL temporal text are encoded as Debezium does (Decimal base64, epoch
 * days / microseconds, `Bits` little-endian). A
 * delete is one message: the tombstone after it is the sink's business (Kafka upsert mode).
 * Records that are not change records throw `TRIB_RECORD_INVALID` naming the field.
 */
export class DebeziumJsonSerializationSchema implements SerializationSchema<ChangeRecord> {
  private readonly options: ResolvedDebeziumJsonOptions;
  private readonly encoder = new TextEncoder();

  constructor(options: DebeziumJsonConfig = {}) {
    this.options = DebeziumJsonOptions.parse(options);
  }

  serialize(record: ChangeRecord): Uint8Array {
    const fail = (field: string, reason: string) =>
      recordInvalidError(`Cannot write a Debezium JSON message: ${reason}`, { field });
    if (typeof record !== 'object' || record === null)
      throw fail('', 'the record is not a change record object');
    const { op } = record;
    if (op !== 'c' && op !== 'u' && op !== 'd' && op !== 'r')
      throw fail('op', "'op' must be one of c, u, d, r");
    let before = record.before ?? null;
    let after = record.after ?? null;
    if (op === 'd' && before === null) throw fail('before', "a delete ('d') needs the 'before' row");
    if (op !== 'd' && after === null) throw fail('after', `op '${op}' needs the 'after' row`);

    const payload: Row = { before, after };
    const source = record.source;
    if (source !== undefined) {
      const out: Row = {};
      if (source.tsMs !== undefined) out.ts_ms = source.tsMs;
      if (source.db !== undefined) out.db = source.db;
      if (source.table !== undefined) out.table = source.table;
      if (source.serverId !== undefined) out.server_id = source.serverId;
      if (source.gtid !== undefined) out.gtid = source.gtid;
      if (source.file !== undefined) out.file = source.file;
      if (source.pos !== undefined) out.pos = source.pos;
      payload.source = out;
    }
    payload.op = op;
    if (record.tsMs !== undefined) payload.ts_ms = record.tsMs;

    let message: unknown = payload;
    if (this.options.schemaInclude) {
      let schema = record.schema as ConnectSchema | undefined;
      if (schema === undefined) {
        const name = [source?.db, source?.table].filter((s) => s !== undefined).join('.') || 'tributary';
        const inferred = inferEnvelopeSchema([before, after], name);
        if ('column' in inferred)
          throw fail(inferred.column, `column '${inferred.column}' ${inferred.reason}`);
        schema = inferred;
      }
      for (const part of ['before', 'after'] as const) {
        const row = part === 'before' ? before : after;
        const columns = rowColumns(schema, part);
        if (row === null || columns === undefined) continue;
        const encoded = encodeRow(row, columns);
        if ('column' in encoded)
          throw fail(`${part}.${encoded.column}`, `column '${encoded.column}' ${encoded.reason}`);
        if (part === 'before') before = encoded.row;
        else after = encoded.row;
      }
      message = {
        schema,
        payload: { ...payload, before: bytesAsBase64(before), after: bytesAsBase64(after) },
      };
    } else message = { ...payload, before: bytesAsBase64(before), after: bytesAsBase64(after) };
    try {
      return this.encoder.encode(stringifyExactJson(message));
    } catch (error) {
      if (error instanceof ExactJsonValueError)
        throw fail(error.path.replace(/^payload\./, ''), error.message);
      throw error;
    }
  }
}

/** Binary values as base64 text, Kafka Connect JSON's encoding of `bytes`. */
function bytesAsBase64(row: Row | null): Row | null {
  if (row === null || !Object.values(row).some((v) => v instanceof Uint8Array)) return row;
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => [k, v instanceof Uint8Array ? base64(v) : v]),
  );
}
