import { describe, expect, it } from 'vitest';
import { DebeziumJsonDeserializationSchema, DebeziumJsonSerializationSchema } from './index.js';

// The #regions below are the snippets of formats/debezium-json/README.md and
// docs/formats/debezium-json.md (docs-sections.test.ts copies them there), so every snippet runs.

describe('Debezium JSON docs examples', () => {
  it('reads a Debezium message', () => {
    // #region debezium-read
    const deserializer = new DebeziumJsonDeserializationSchema({ truncate: 'skip' });
    const message = new TextEncoder().encode(
      '{"before":null,"after":{"id":1,"balance":"12.30","views":18446744073709551615},' +
        '"source":{"db":"shop","table":"accounts","file":"mysql-bin.000003","pos":484,"server_id":1,"ts_ms":1733450001000},' +
        '"op":"c","ts_ms":1733450001234}',
    );
    const records = deserializer.deserialize(message, { topic: 'shop.accounts', partition: 0, offset: 42 });
    // records: [{ op: 'c', before: null, after: { id: 1, balance: '12.30', views: 18446744073709551615n },
    //   source: { file: 'mysql-bin.000003', pos: 484, serverId: 1, tsMs: 1733450001000, db: 'shop', table: 'accounts' },
    //   tsMs: 1733450001234 }]
    // In a pipeline: KafkaSource with valueOnly(deserializer), then .flatMap((records) => records)
    // #endregion debezium-read
    expect(records).toEqual([
      {
        op: 'c',
        before: null,
        after: { id: 1, balance: '12.30', views: 18446744073709551615n },
        source: {
          file: 'mysql-bin.000003',
          pos: 484,
          serverId: 1,
          tsMs: 1733450001000,
          db: 'shop',
          table: 'accounts',
        },
        tsMs: 1733450001234,
      },
    ]);
  });

  it('writes a Debezium message with the schema envelope', () => {
    // #region debezium-write
    const serializer = new DebeziumJsonSerializationSchema({ schemaInclude: true });
    const bytes = serializer.serialize({
      op: 'd',
      before: { id: 7, name: 'gone' },
      source: { db: 'shop', table: 'accounts' },
    });
    const message = JSON.parse(new TextDecoder().decode(bytes));
    // message.payload: { before: { id: 7, name: 'gone' }, after: null, source: { db: 'shop', table: 'accounts' }, op: 'd' }
    // message.schema: an inferred shop.accounts.Envelope (id int64, name string); pass record.schema to keep your own
    // #endregion debezium-write
    expect(message.payload).toEqual({
      before: { id: 7, name: 'gone' },
      after: null,
      source: { db: 'shop', table: 'accounts' },
      op: 'd',
    });
    expect(message.schema.name).toBe('shop.accounts.Envelope');
    expect(message.schema.fields[0].fields).toEqual([
      { type: 'int64', optional: true, field: 'id' },
      { type: 'string', optional: true, field: 'name' },
    ]);
  });
});
