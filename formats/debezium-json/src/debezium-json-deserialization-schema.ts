import {
  type ChangeRecord,
  type ChangeSource,
  type DeserializationSchema,
  ExactJsonSyntaxError,
  parseExactJson,
  type RecordOrigin,
  recordInvalidError,
} from '@tributary/core';
import { type ConnectSchema, decodeRow, rowColumns } from './connect-schema.js';
import {
  type DebeziumJsonConfig,
  DebeziumJsonOptions,
  type ResolvedDebeziumJsonOptions,
} from './debezium-json-options.js';

type Row = Record<string, unknown>;
const NONE: readonly ChangeRecord[] = Object.freeze([]);

/**
 * Decodes one Debezium JSON message to change records: one record, or none for a skipped
 * tombstone or truncate. Numbers keep their exact value (BIGINT beyond 2^53 as bigint); with
 * `schemaInclude`, Decimal columns become exact decimal strings. A message that is not a valid
 * Debezium event throws `TRIB_RECORD_INVALID` naming the origin and the field (`op`, `after`,
 * `after.price`, `source.pos`) — the connector's `onDeserializationError` decides whether that
 * fails the job, skips, or dead-letters the message. Use with `flatMap((records) => records)`.
 */
export class DebeziumJsonDeserializationSchema implements DeserializationSchema<readonly ChangeRecord[]> {
  private readonly options: ResolvedDebeziumJsonOptions;
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: false });

  constructor(options: DebeziumJsonConfig = {}) {
    this.options = DebeziumJsonOptions.parse(options);
  }

  deserialize(bytes: Uint8Array, origin?: RecordOrigin): readonly ChangeRecord[] {
    const text = this.decoder.decode(bytes);
    if (text.trim() === '' || text.trim() === 'null') return this.tombstone(origin);
    let message: unknown;
    try {
      message = parseExactJson(text);
    } catch (error) {
      const reason = error instanceof ExactJsonSyntaxError ? error.message : 'unreadable';
      throw recordInvalidError(`Invalid Debezium JSON message: ${reason}`, { origin });
    }
    const fail = (field: string, reason: string) =>
      recordInvalidError(`Invalid Debezium JSON message: ${reason}`, { origin, field });
    if (!isObject(message)) throw fail('', 'the message is not a JSON object');

    let payload: unknown = message;
    let schema: ConnectSchema | undefined;
    if (this.options.schemaInclude) {
      if (!('payload' in message))
        throw fail(
          'payload',
          "the message has no 'payload' (is schemas.enable off? then set schemaInclude: false)",
        );
      payload = message.payload;
      if (payload === null) return this.tombstone(origin);
      schema = isObject(message.schema) ? (message.schema as unknown as ConnectSchema) : undefined;
    } else if ('payload' in message && 'schema' in message && !('op' in message)) {
      throw fail('op', 'the message is a {schema, payload} envelope; set schemaInclude: true to read it');
    }
    if (!isObject(payload)) throw fail('payload', 'the payload is not a JSON object');

    const op = payload.op;
    const source = readSource(payload.source, fail);
    if (op === 't') {
      if (this.options.truncate === 'skip') return NONE;
      const table =
        source?.table === undefined
          ? ''
          : ` of table '${source.db ?? ''}${source.db ? '.' : ''}${source.table}'`;
      throw fail('op', `a TRUNCATE event${table} has no rows to emit (set truncate: 'skip' to leave it out)`);
    }
    if (op !== 'c' && op !== 'u' && op !== 'd' && op !== 'r')
      throw fail('op', `'op' must be one of c, u, d, r, t, not ${describe(op)}`);

    const before = this.readRow(payload.before, 'before', schema, fail);
    const after = this.readRow(payload.after, 'after', schema, fail);
    if (op === 'd' && before === null) throw fail('before', "a delete ('d') needs the 'before' row");
    if (op !== 'd' && after === null) throw fail('after', `op '${op}' needs the 'after' row`);

    const tsMs = payload.ts_ms;
    if (tsMs !== undefined && tsMs !== null && typeof tsMs !== 'number')
      throw fail('ts_ms', "'ts_ms' must be a number");
    const record: ChangeRecord = {
      op,
      before,
      after,
      ...(source === undefined ? {} : { source }),
      ...(typeof tsMs === 'number' ? { tsMs } : {}),
      ...(schema === undefined ? {} : { schema }),
    };
    return [record];
  }

  private tombstone(origin: RecordOrigin | undefined): readonly ChangeRecord[] {
    if (this.options.tombstones === 'skip') return NONE;
    throw recordInvalidError("A tombstone (empty or null Debezium message) with tombstones: 'fail'", {
      origin,
    });
  }

  private readRow(
    value: unknown,
    part: 'before' | 'after',
    schema: ConnectSchema | undefined,
    fail: (field: string, reason: string) => Error,
  ): Row | null {
    if (value === undefined || value === null) return null;
    if (!isObject(value)) throw fail(part, `'${part}' must be an object or null`);
    const columns = schema === undefined ? undefined : rowColumns(schema, part);
    if (columns === undefined) return value;
    const decoded = decodeRow(value, columns);
    if ('column' in decoded)
      throw fail(`${part}.${decoded.column}`, `column '${decoded.column}' ${decoded.reason}`);
    return decoded.row;
  }
}

function readSource(
  value: unknown,
  fail: (field: string, reason: string) => Error,
): ChangeSource | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw fail('source', "'source' must be an object");
  const source: { -readonly [K in keyof ChangeSource]: ChangeSource[K] } = {};
  const text = (key: string): string | undefined => {
    const v = value[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw fail(`source.${key}`, `'source.${key}' must be a string`);
    return v;
  };
  const integer = (key: string): number | bigint | undefined => {
    const v = value[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) return v;
    throw fail(`source.${key}`, `'source.${key}' must be an integer`);
  };
  const file = text('file');
  const gtid = text('gtid');
  const db = text('db');
  const table = text('table');
  const pos = integer('pos');
  const serverId = integer('server_id');
  const tsMs = integer('ts_ms');
  if (file !== undefined) source.file = file;
  if (pos !== undefined) source.pos = pos;
  if (gtid !== undefined) source.gtid = gtid;
  if (serverId !== undefined) source.serverId = serverId;
  if (tsMs !== undefined) source.tsMs = Number(tsMs);
  if (db !== undefined) source.db = db;
  if (table !== undefined) source.table = table;
  return source;
}

function isObject(value: unknown): value is Row {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  return typeof value === 'string'
    ? `'${value.slice(0, 8)}'`
    : value === undefined
      ? 'missing'
      : typeof value;
}
