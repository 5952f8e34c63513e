import { readFileSync } from 'node:fs';
import type { ChangeRecord } from '@tributary/core';
import { thrownBy } from '@tributary/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DebeziumJsonDeserializationSchema, DebeziumJsonSerializationSchema } from './index.js';

const fixture = (name: string) => readFileSync(new URL(`../test/fixtures/${name}`, import.meta.url));
const bytes = (text: string) => new TextEncoder().encode(text);
const origin = { topic: 'dbserver1.inventory.products', partition: 0, offset: 42 };

describe('Debezium JSON: reading real-shaped messages', () => {
  it('decodes an update with the schema envelope: decimals exact, int64 beyond 2^53 as bigint, source mapped', () => {
    const [record, ...rest] = new DebeziumJsonDeserializationSchema({ schemaInclude: true }).deserialize(
      fixture('mysql-update-with-schema.json'),
      origin,
    );
    expect(rest).toEqual([]);
    expect(record).toMatchObject({
      op: 'u',
      before: {
        id: 101,
        name: 'scooter',
        price: '12.30',
        views: 9007199254740993n,
        stock_u64: '18446744073709551615',
        // MicroTimestamp, as MySQL prints the DATETIME(6).
        updated_at: '2024-12-06 01:53:20.123456',
      },
      after: { name: 'scooter ⚡ 🛴', price: '19.99', views: 9007199254740995n, stock_u64: '-1' },
      source: {
        file: 'mysql-bin.000003',
        pos: 484,
        gtid: '0-1-42',
        serverId: 223344,
        tsMs: 1733450001000,
        db: 'inventory',
        table: 'products',
      },
      tsMs: 1733450001234,
    });
    expect((record?.schema as { name?: string } | undefined)?.name).toBe(
      'dbserver1.inventory.products.Envelope',
    );
  });

  it('decodes deletes and snapshot reads without the envelope, decimal strings untouched', () => {
    const schema = new DebeziumJsonDeserializationSchema();
    expect(schema.deserialize(fixture('mysql-delete-no-schema.json'))).toEqual([
      {
        op: 'd',
        before: {
          id: 1004,
          first_name: 'Anne',
          last_name: 'Kretchmar',
          email: 'annek@noanswer.org',
          balance: '-0.01',
        },
        after: null,
        source: {
          file: 'mysql-bin.000003',
          pos: 805,
          serverId: 223344,
          tsMs: 1733450100000,
          db: 'inventory',
          table: 'customers',
        },
        tsMs: 1733450100456,
      },
    ]);
    const [read] = schema.deserialize(fixture('mysql-snapshot-read-no-schema.json'));
    expect(read).toMatchObject({ op: 'r', before: null, after: { balance: '18446744073709551615.00' } });
  });

  it('fails on TRUNCATE naming the table, or skips it when asked', () => {
    const error = thrownBy(() =>
      new DebeziumJsonDeserializationSchema().deserialize(fixture('mysql-truncate-no-schema.json'), origin),
    );
    expect(error.code).toBe('TRIB_RECORD_INVALID');
    expect(error.message).toContain('inventory.orders');
    expect(error.message).toContain('offset 42');
    expect(
      new DebeziumJsonDeserializationSchema({ truncate: 'skip' }).deserialize(
        fixture('mysql-truncate-no-schema.json'),
      ),
    ).toEqual([]);
  });

  it('skips tombstones by default and fails on them when asked', () => {
    const skip = new DebeziumJsonDeserializationSchema();
    expect(skip.deserialize(new Uint8Array(0))).toEqual([]);
    expect(skip.deserialize(bytes('null'))).toEqual([]);
    expect(
      new DebeziumJsonDeserializationSchema({ schemaInclude: true }).deserialize(
        bytes('{"schema":null,"payload":null}'),
      ),
    ).toEqual([]);
    const error = thrownBy(() =>
      new DebeziumJsonDeserializationSchema({ tombstones: 'fail' }).deserialize(new Uint8Array(0), origin),
    );
    expect(error.code).toBe('TRIB_RECORD_INVALID');
    expect(error.message).toMatch(/tombstone.*topic 'dbserver1.inventory.products'/);
  });

  it('names the field of an invalid message and never echoes row values', () => {
    const schema = new DebeziumJsonDeserializationSchema();
    const cases: [string, string][] = [
      ['{"op":"x","after":{"secret":"s3cr3t-value"}}', 'op'],
      ['{"op":"c","after":null}', 'after'],
      ['{"op":"d","before":null}', 'before'],
      ['{"op":"c","after":[1]}', 'after'],
      ['{"op":"c","after":{"a":1},"source":{"pos":"12"}}', 'source.pos'],
      ['{"op":"c","after":{"a":1},"ts_ms":"now"}', 'ts_ms'],
      ['{"schema":{},"payload":{"op":"c"}}', 'op'],
    ];
    for (const [text, field] of cases) {
      const error = thrownBy(() => schema.deserialize(bytes(text), origin));
      expect(error.code, text).toBe('TRIB_RECORD_INVALID');
      expect(error.context?.field, text).toBe(field);
      expect(error.message).not.toContain('s3cr3t');
    }
    expect(thrownBy(() => schema.deserialize(bytes('{"op":"c",'), origin)).message).toMatch(
      /at character 10.*offset 42/,
    );
    const withSchema = new DebeziumJsonDeserializationSchema({ schemaInclude: true });
    expect(thrownBy(() => withSchema.deserialize(bytes('{"op":"c","after":{}}'))).context?.field).toBe(
      'payload',
    );
    const badDecimal = readFileSync(
      new URL('../test/fixtures/mysql-update-with-schema.json', import.meta.url),
      'utf8',
    ).replace('"B88="', '"not base64!"');
    expect(thrownBy(() => withSchema.deserialize(bytes(badDecimal))).context?.field).toBe('after.price');
  });
});

describe('Debezium JSON: writing', () => {
  it('writes the envelope Debezium writes, with the schema it was read with', () => {
    const message = fixture('mysql-update-with-schema.json');
    const [record] = new DebeziumJsonDeserializationSchema({ schemaInclude: true }).deserialize(message);
    const written = new DebeziumJsonSerializationSchema({ schemaInclude: true }).serialize(
      record as ChangeRecord,
    );
    const original = JSON.parse(new TextDecoder().decode(message));
    const rewritten = JSON.parse(new TextDecoder().decode(written));
    expect(rewritten.schema).toEqual(original.schema);
    // Decimals go back to Debezium's base64; BIGINT stays exact in the text.
    expect(rewritten.payload.before.price).toBe('BM4=');
    expect(rewritten.payload.after.stock_u64).toBe('/w==');
    expect(new TextDecoder().decode(written)).toContain('"views":9007199254740993');
    expect(rewritten.payload.op).toBe('u');
    expect(rewritten.payload.source).toEqual({
      ts_ms: 1733450001000,
      db: 'inventory',
      table: 'products',
      server_id: 223344,
      gtid: '0-1-42',
      file: 'mysql-bin.000003',
      pos: 484,
    });
  });

  it('names the field of a record it cannot write', () => {
    const serializer = new DebeziumJsonSerializationSchema();
    expect(thrownBy(() => serializer.serialize({ op: 'c', after: { v: Number.NaN } })).context?.field).toBe(
      'after.v',
    );
    expect(thrownBy(() => serializer.serialize({ op: 'd', after: { v: 1 } })).context?.field).toBe('before');
    expect(thrownBy(() => serializer.serialize({ op: 'x' } as unknown as ChangeRecord)).context?.field).toBe(
      'op',
    );
    const withSchema = new DebeziumJsonSerializationSchema({ schemaInclude: true });
    expect(thrownBy(() => withSchema.serialize({ op: 'c', after: { doc: { a: 1 } } })).context?.field).toBe(
      'doc',
    );
  });
});

const value = fc.oneof(
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.integer(),
  // Doubles that print as plain integers beyond 2^53 read back as the same integer, as a bigint.
  fc
    .double({ noNaN: true, noDefaultInfinity: true })
    .filter(
      (d) => !Object.is(d, -0) && !(Number.isInteger(d) && !Number.isSafeInteger(d) && Math.abs(d) < 1e21),
    ),
  fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n - 1n }),
  fc.bigInt({ min: -(2n ** 63n), max: -(2n ** 53n) }),
);
const row = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), value, { maxKeys: 6 });
const source = fc.record(
  {
    file: fc.string(),
    pos: fc.oneof(fc.nat(), fc.bigInt({ min: 2n ** 53n, max: 2n ** 63n })),
    gtid: fc.string(),
    serverId: fc.nat(),
    tsMs: fc.nat(),
    db: fc.string(),
    table: fc.string(),
  },
  { requiredKeys: [] },
);
export const changeRecord: fc.Arbitrary<ChangeRecord> = fc
  .tuple(
    fc.constantFrom('c', 'u', 'd', 'r'),
    row,
    row,
    fc.option(source, { nil: undefined }),
    fc.option(fc.nat(), { nil: undefined }),
  )
  .map(([op, before, after, src, tsMs]) => ({
    op,
    before: op === 'c' || op === 'r' ? null : before,
    after: op === 'd' ? null : after,
    ...(src === undefined ? {} : { source: src }),
    ...(tsMs === undefined ? {} : { tsMs }),
  }));

function consistentTypes(record: ChangeRecord): boolean {
  const kind = (v: unknown) => (typeof v === 'number' || typeof v === 'bigint' ? 'numeric' : typeof v);
  const before = record.before ?? {};
  const after = record.after ?? {};
  return Object.keys(before).every(
    (k) => !(k in after) || before[k] === null || after[k] === null || kind(before[k]) === kind(after[k]),
  );
}

describe('Debezium JSON: round trip', () => {
  it('reads back every record it writes, values exact', () => {
    const write = new DebeziumJsonSerializationSchema();
    const read = new DebeziumJsonDeserializationSchema();
    fc.assert(
      fc.property(changeRecord, (record) => {
        expect(read.deserialize(write.serialize(record))).toEqual([record]);
      }),
      { numRuns: 300, seed: 13 },
    );
  });

  it('reads back every record it writes with the schema envelope (inferred schema)', () => {
    const write = new DebeziumJsonSerializationSchema({ schemaInclude: true });
    const read = new DebeziumJsonDeserializationSchema({ schemaInclude: true });
    fc.assert(
      fc.property(changeRecord, (record) => {
        // A column of one table has one type; the writer rejects a row pair that disagrees (tested above).
        fc.pre(consistentTypes(record));
        const [back] = read.deserialize(write.serialize(record));
        const { schema, ...rest } = back as ChangeRecord;
        expect(rest).toEqual(record);
        expect((schema as { type: string }).type).toBe('struct');
      }),
      { numRuns: 300, seed: 13 },
    );
  });

  it('round-trips Decimal columns through their schema exactly', () => {
    const decimal = fc
      .tuple(fc.bigInt({ min: -(10n ** 38n) + 1n, max: 10n ** 38n - 1n }), fc.integer({ min: 0, max: 10 }))
      .map(([unscaled, scale]) => {
        const digits = (unscaled < 0n ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
        const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
        return { text: unscaled < 0n ? `-${text}` : text, scale };
      });
    fc.assert(
      fc.property(decimal, ({ text, scale }) => {
        const column = {
          type: 'bytes',
          optional: true,
          name: 'org.apache.kafka.connect.data.Decimal',
          parameters: { scale: String(scale) },
          field: 'amount',
        };
        const schema = {
          type: 'struct',
          fields: [
            { type: 'struct', optional: true, field: 'before', fields: [column] },
            { type: 'struct', optional: true, field: 'after', fields: [column] },
            { type: 'string', optional: false, field: 'op' },
          ],
        };
        const record: ChangeRecord = { op: 'c', before: null, after: { amount: text }, schema };
        const message = new DebeziumJsonSerializationSchema({ schemaInclude: true }).serialize(record);
        expect(new DebeziumJsonDeserializationSchema({ schemaInclude: true }).deserialize(message)).toEqual([
          record,
        ]);
      }),
      { numRuns: 300, seed: 13 },
    );
  });
});
