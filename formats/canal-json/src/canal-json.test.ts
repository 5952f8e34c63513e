import { readFileSync } from 'node:fs';
import type { ChangeRecord } from '@tributary/core';
import { thrownBy } from '@tributary/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CanalJsonDeserializationSchema, CanalJsonSerializationSchema } from './index.js';

const fixture = (name: string) => readFileSync(new URL(`../test/fixtures/${name}`, import.meta.url));
const bytes = (text: string) => new TextEncoder().encode(text);
const origin = { topic: 'canal.inventory', partition: 1, offset: 7 };

describe('Canal JSON: reading real-shaped messages', () => {
  it('turns a two-row UPDATE into two records, merging the partial old rows into before', () => {
    const records = new CanalJsonDeserializationSchema().deserialize(fixture('update-two-rows.json'), origin);
    const source = { db: 'inventory', table: 'products', tsMs: 1589373560000 };
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({
      op: 'u',
      before: {
        id: '101',
        name: 'scooter',
        weight: '5.17',
        price: '12.30',
        stock: '18446744073709551615',
        note: 'gift',
      },
      after: {
        id: '101',
        name: 'scooter',
        weight: '5.18',
        price: '12.30',
        stock: '18446744073709551615',
        note: null,
      },
      source,
      tsMs: 1589373560798,
      schema: { pkNames: ['id'], mysqlType: { price: 'decimal(10,2)' }, sqlType: { stock: -5 } },
    });
    expect(records[1]).toMatchObject({
      op: 'u',
      before: { id: '102', price: '89.99', note: '12V' },
      after: { id: '102', price: '99.99', note: '12V' },
    });
  });

  it('reads INSERT as c with after and DELETE as d with before', () => {
    const schema = new CanalJsonDeserializationSchema();
    const [insert] = schema.deserialize(fixture('insert.json'));
    expect(insert).toMatchObject({
      op: 'c',
      before: null,
      after: { id: '111', description: 'Big 2-wheel scooter 🛴' },
      source: { db: 'inventory', table: 'products', tsMs: 1589373515000 },
    });
    const [remove] = schema.deserialize(fixture('delete.json'));
    expect(remove).toMatchObject({ op: 'd', before: { id: '111', weight: '5.17' }, after: null });
  });

  it('skips DDL by default and fails on it when asked, naming the table', () => {
    expect(new CanalJsonDeserializationSchema().deserialize(fixture('ddl.json'))).toEqual([]);
    const error = thrownBy(() =>
      new CanalJsonDeserializationSchema({ ddl: 'fail' }).deserialize(fixture('ddl.json'), origin),
    );
    expect(error.code).toBe('TRIB_RECORD_INVALID');
    expect(error.message).toContain("'ALTER'");
    expect(error.message).toContain('inventory.products');
    expect(error.message).toContain('offset 7');
  });

  it('keeps only messages whose whole database and table match the include patterns', () => {
    const insert = fixture('insert.json');
    const read = (options: ConstructorParameters<typeof CanalJsonDeserializationSchema>[0]) =>
      new CanalJsonDeserializationSchema(options).deserialize(insert).length;
    expect(read({ databaseInclude: 'inventory' })).toBe(1);
    expect(read({ databaseInclude: 'invent' })).toBe(0);
    expect(read({ databaseInclude: 'inv.*', tableInclude: 'products|orders' })).toBe(1);
    expect(read({ tableInclude: 'orders' })).toBe(0);
    expect(() => new CanalJsonDeserializationSchema({ tableInclude: '(' })).toThrow(/tableInclude/);
  });

  it('names the field of an invalid message and never echoes row values', () => {
    const schema = new CanalJsonDeserializationSchema();
    const cases: [string, string | undefined][] = [
      ['{"type":"UPSERT","data":[{"secret":"s3cr3t"}]}', 'type'],
      ['{"type":"INSERT","data":{"secret":"s3cr3t"}}', 'data'],
      ['{"type":"INSERT","data":[{"a":"1"},"s3cr3t"]}', 'data[1]'],
      ['{"type":"UPDATE","data":[{"a":"1"}],"old":null}', 'old'],
      ['{"type":"UPDATE","data":[{"a":"1"},{"a":"2"}],"old":[{}]}', 'old'],
      ['{"type":"UPDATE","data":[{"a":"1"}],"old":[5]}', 'old[0]'],
      ['{"type":"INSERT","data":[],"database":5}', 'database'],
      ['{"type":"INSERT","data":[],"es":"yesterday"}', 'es'],
      ['{"type":"INSERT","data":[],"pkNames":"id"}', 'pkNames'],
      ['[{"type":"INSERT"}]', undefined],
    ];
    for (const [text, field] of cases) {
      const error = thrownBy(() => schema.deserialize(bytes(text), origin));
      expect(error.code, text).toBe('TRIB_RECORD_INVALID');
      expect(error.context?.field, text).toBe(field);
      expect(error.message).not.toContain('s3cr3t');
    }
  });
});

describe('Canal JSON: writing', () => {
  it('writes an update with old holding only the changed columns, keeping Canal type metadata', () => {
    const [record] = new CanalJsonDeserializationSchema().deserialize(fixture('update-two-rows.json'));
    const written = JSON.parse(
      new TextDecoder().decode(new CanalJsonSerializationSchema().serialize(record as ChangeRecord)),
    );
    expect(written).toMatchObject({
      type: 'UPDATE',
      isDdl: false,
      database: 'inventory',
      table: 'products',
      es: 1589373560000,
      ts: 1589373560798,
      old: [{ weight: '5.17', note: 'gift' }],
      pkNames: ['id'],
    });
    expect(written.data).toHaveLength(1);
    expect(written.mysqlType.stock).toBe('bigint(20) unsigned');
  });

  it('names the field of a record it cannot write', () => {
    const serializer = new CanalJsonSerializationSchema();
    expect(thrownBy(() => serializer.serialize({ op: 'u', after: { a: 1 } })).context?.field).toBe('before');
    expect(
      thrownBy(() => serializer.serialize({ op: 'c', after: { a: Number.POSITIVE_INFINITY } })).context
        ?.field,
    ).toBe('after.a');
    expect(thrownBy(() => serializer.serialize({ op: 'x' } as unknown as ChangeRecord)).context?.field).toBe(
      'op',
    );
  });
});

const value = fc.oneof(
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.integer(),
  fc
    .double({ noNaN: true, noDefaultInfinity: true })
    .filter(
      (d) => !Object.is(d, -0) && !(Number.isInteger(d) && !Number.isSafeInteger(d) && Math.abs(d) < 1e21),
    ),
  fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n - 1n }),
  fc.array(fc.string(), { maxLength: 3 }),
);
const row = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), value, { minKeys: 1, maxKeys: 6 });

/** Records Canal can carry: c/d, and u whose before has the columns of after (a row of one table). */
const canalRecord: fc.Arbitrary<ChangeRecord> = fc
  .tuple(
    fc.constantFrom('c', 'u', 'd'),
    row,
    fc.array(fc.tuple(fc.boolean(), value)),
    fc.record({ db: fc.string(), table: fc.string(), tsMs: fc.nat() }),
    fc.nat(),
    fc.option(fc.record({ pkNames: fc.array(fc.string(), { maxLength: 2 }) }), { nil: undefined }),
  )
  .map(([op, after, changes, source, tsMs, schema]) => {
    const before = Object.fromEntries(
      Object.entries(after).map(([k, v], i) => [k, changes[i]?.[0] === true ? changes[i][1] : v]),
    );
    return {
      op,
      before: op === 'c' ? null : before,
      after: op === 'd' ? null : after,
      source,
      tsMs,
      ...(schema === undefined ? {} : { schema }),
    } as ChangeRecord;
  });

describe('Canal JSON: round trip', () => {
  it('reads back every record it writes, values exact', () => {
    const write = new CanalJsonSerializationSchema();
    const read = new CanalJsonDeserializationSchema();
    fc.assert(
      fc.property(canalRecord, (record) => {
        expect(read.deserialize(write.serialize(record))).toEqual([record]);
      }),
      { numRuns: 300, seed: 13 },
    );
  });

  it("writes a snapshot read ('r') as an INSERT", () => {
    const message = new CanalJsonSerializationSchema().serialize({ op: 'r', after: { id: '1' } });
    expect(new CanalJsonDeserializationSchema().deserialize(message)).toMatchObject([
      { op: 'c', after: { id: '1' } },
    ]);
  });
});
