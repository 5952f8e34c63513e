import { readFileSync } from 'node:fs';
import { type ChangeRecord, parseExactJson } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { DebeziumJsonDeserializationSchema, DebeziumJsonSerializationSchema } from './index.js';

/**
 * Messages captured from the real Debezium engine (3.5.0.Final, MariaDB connector, default value
 * handling, Kafka Connect's JsonConverter with and without schemas) on a table of the common MySQL
 * types — regenerate with `pnpm --filter @tributary/connector-mysql-cdc capture:debezium-fixtures`
 * (connectors/mysql-cdc/test/debezium/). The expected rows below are written out from the SQL
 * that made the changes (connectors/mysql-cdc/test/debezium/interop-table.ts), not computed.
 */
interface Captured {
  readonly key: string;
  readonly withSchema: string | null;
  readonly noSchema: string | null;
}
const lines = readFileSync(
  new URL('../test/fixtures/debezium-mariadb-capture.jsonl', import.meta.url),
  'utf8',
)
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line));
const header = lines[0] as { debezium: string };
const captured = lines.slice(1) as Captured[];
type Envelope = {
  schema: unknown;
  payload: { op: string; before: Record<string, unknown> | null; after: Record<string, unknown> | null };
};
const bytes = (text: string | null) => new TextEncoder().encode(text ?? '');
const buf = (...octets: number[]) => Buffer.from(octets);

const NULLS = {
  ti: null,
  tiu: null,
  si: null,
  iu: null,
  bi: null,
  biu: null,
  de: null,
  de_big: null,
  f: null,
  d: null,
  vc: null,
  tx: null,
  bl: null,
  bn: null,
  dt: null,
  tm: null,
  dtm: null,
  ts: null,
  j: null,
  e: null,
  st: null,
  b1: null,
  b12: null,
};
const ROW1 = {
  id: 1,
  ti: -128,
  tiu: 255,
  si: -32768,
  iu: 4294967295,
  bi: -9223372036854775808n,
  biu: 9223372036854775807n,
  de: '-12345678.9012',
  de_big: '1234567890123456789012345678.0123456789',
  f: 1.5,
  d: -2.25,
  vc: 'snapshot ✓ 😀',
  tx: 'text',
  bl: buf(0x00, 0xff, 0x10),
  bn: buf(0xde, 0xad, 0xbe, 0xef),
  dt: '2024-02-29',
  tm: '-838:59:59.000000',
  dtm: '2024-02-29 23:59:59.999999',
  ts: '2038-01-19 03:14:07.999999',
  j: '{"a": [1, 2.5, "s", null]}',
  e: 'b',
  st: 'x,z',
  b1: true, // BIT(1) is a boolean in Debezium
  b12: buf(0x0a, 0xaa), // b'101010101010', big-endian like MySQL
};
const ROW1_UPDATED = { ...ROW1, vc: 'updated', de: '0.0001', dtm: '2000-01-01 12:00:00.500000', f: null };
const ROW2 = { id: 2, ...NULLS };
const ROW2_UPDATED = {
  ...ROW2,
  ti: 7,
  tm: '12:34:56.789000',
  dt: '1969-12-31',
  j: '{"k": "v"}',
  st: 'y',
  bl: buf(0x01),
  ts: '2000-01-01 00:00:00.500000', // Debezium pads the fraction to the column's 6 digits
  b12: buf(0x08, 0x00),
};
const ROW3 = {
  id: 3,
  ti: 127,
  tiu: 0,
  si: 32767,
  iu: 0,
  bi: 9223372036854775807n,
  biu: -1, // 18446744073709551615: bigint.unsigned.handling.mode=long wraps it
  de: '99999999.9999',
  de_big: '-0.0000000001',
  f: Math.fround(-3.4e38),
  d: 1.7976931348623157e308,
  vc: '',
  tx: `long ${'x'.repeat(40)}`,
  bl: buf(),
  bn: buf(0, 0, 0, 0),
  dt: '1000-01-01',
  tm: '00:00:00.000001',
  dtm: '1970-01-01 00:00:00.000000',
  ts: '1970-01-01 00:00:01.000001',
  j: '[]',
  e: 'a',
  st: '',
  b1: false,
  b12: buf(0x00, 0x01),
};
const ROW4 = { ...ROW2, id: 4, vc: 'to be re-keyed', biu: -1, de: '5.0000' };
const ROW5 = { ...ROW4, id: 5 };

/** The changes of interop-table.ts in order; `null` is the tombstone after a delete. */
const EXPECTED: (Pick<ChangeRecord, 'op' | 'before' | 'after'> | null)[] = [
  { op: 'r', before: null, after: ROW1 },
  { op: 'r', before: null, after: ROW2 },
  { op: 'c', before: null, after: ROW3 },
  { op: 'u', before: ROW1, after: ROW1_UPDATED },
  { op: 'u', before: ROW2, after: ROW2_UPDATED },
  { op: 'd', before: ROW3, after: null },
  null,
  { op: 'c', before: null, after: ROW4 },
  { op: 'd', before: ROW4, after: null },
  null,
  { op: 'c', before: null, after: ROW5 },
];

describe(`messages of the real Debezium engine (${header.debezium}, MariaDB connector)`, () => {
  it('decode with the schema envelope to the rows the SQL wrote, every column typed', () => {
    const read = new DebeziumJsonDeserializationSchema({ schemaInclude: true });
    expect(captured).toHaveLength(EXPECTED.length);
    for (const [i, message] of captured.entries()) {
      const records = read.deserialize(bytes(message.withSchema));
      const expected = EXPECTED[i] as (typeof EXPECTED)[number];
      if (expected === null) {
        expect(message.withSchema, `message ${i}`).toBeNull();
        expect(records).toEqual([]);
        continue;
      }
      expect(records, `message ${i}`).toHaveLength(1);
      const [record] = records as [ChangeRecord];
      expect({ op: record.op, before: record.before, after: record.after }, `message ${i}`).toEqual(expected);
      expect(record.source).toMatchObject({ db: 'dbz_interop', table: 'dbz_types' });
      expect(JSON.parse(message.key)).toEqual({ id: (expected.after ?? expected.before)?.id });
    }
  });

  it('decode without schemas to the same rows where the JSON does not depend on the schema', () => {
    const read = new DebeziumJsonDeserializationSchema();
    // Decimals stay base64, temporal values Debezium's numbers, bytes base64 text: the scale,
    // the unit and the type are only in the schema.
    const schemaDependent = ['de', 'de_big', 'f', 'bl', 'bn', 'dt', 'tm', 'dtm', 'ts', 'b12'];
    const drop = (row: Record<string, unknown> | null | undefined) =>
      row == null
        ? null
        : Object.fromEntries(Object.entries(row).filter(([k]) => !schemaDependent.includes(k)));
    for (const [i, message] of captured.entries()) {
      const expected = EXPECTED[i] as (typeof EXPECTED)[number];
      const records = read.deserialize(bytes(message.noSchema));
      if (expected === null) {
        expect(records).toEqual([]);
        continue;
      }
      const [record] = records as [ChangeRecord];
      expect(
        { op: record.op, before: drop(record.before), after: drop(record.after) },
        `message ${i}`,
      ).toEqual({
        op: expected.op,
        before: drop(expected.before),
        after: drop(expected.after),
      });
    }
    const [first] = read.deserialize(bytes(captured[0]?.noSchema ?? null)) as [ChangeRecord];
    expect(first.after).toMatchObject({
      de: '40Fm5ew=',
      dt: 19782,
      tm: -3020399000000,
      dtm: 1709251199999999,
      ts: '2038-01-19T03:14:07.999999Z',
      bl: 'AP8Q',
      b12: 'qgo=',
    });
  });

  it('write back exactly the payload Debezium wrote when given its schema', () => {
    const read = new DebeziumJsonDeserializationSchema({ schemaInclude: true });
    const write = new DebeziumJsonSerializationSchema({ schemaInclude: true });
    // FLOAT is written as the double of its single-precision value (-3.3999999521443642E38 for
    // Debezium's -3.4E38): the same float32 to a reader, compared as such.
    const single = (row: Record<string, unknown> | null) =>
      row === null ? null : { ...row, f: row.f === null ? null : Math.fround(Number(row.f)) };
    for (const message of captured) {
      if (message.withSchema === null) continue;
      // Exact parsing on both sides: BIGINT extremes must match to the last digit.
      const original = parseExactJson(message.withSchema) as Envelope;
      const [record] = read.deserialize(bytes(message.withSchema)) as [ChangeRecord];
      const rewritten = parseExactJson(new TextDecoder().decode(write.serialize(record))) as Envelope;
      expect(rewritten.schema).toEqual(original.schema);
      expect(single(rewritten.payload.before)).toEqual(single(original.payload.before));
      expect(single(rewritten.payload.after)).toEqual(single(original.payload.after));
      expect(rewritten.payload.op).toBe(original.payload.op);
    }
  });
});
