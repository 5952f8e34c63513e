import { type ChangeRecord, Pipeline, parseExactJson, silentLogger } from '@tributary/core';
import {
  DebeziumJsonDeserializationSchema,
  DebeziumJsonSerializationSchema,
} from '@tributary/format-debezium-json';
import { describe, expect, it } from 'vitest';
import { type CapturedMessage, captureDebeziumMessages } from '../../test/debezium/debezium-capture.js';
import {
  applyInteropChanges,
  createInteropTable,
  INTEROP_EXPECTED_MESSAGES,
  INTEROP_SNAPSHOT_ROWS,
  INTEROP_TABLE,
} from '../../test/debezium/interop-table.js';
import { cdcOptions } from '../testing-fixtures/cdc-fixtures.js';
import { useCdcTestDatabase } from '../testing-fixtures/cdc-test-database.js';
import { MySqlCdcSource } from './mysql-cdc-source.js';

type Row = Record<string, unknown>;
type Payload = { op: string; before: Row | null; after: Row | null; source: Row };

/**
 * Columns whose values differ by design between Debezium (default settings) and the Tributary
 * source, documented in docs/formats/debezium-json.md: BIGINT UNSIGNED (Debezium's
 * `bigint.unsigned.handling.mode=long` wraps values above 2^63 − 1) and BIT(1) (a boolean in
 * Debezium, one byte from the source).
 */
const DIFFERENT_BY_DESIGN = ['biu', 'b1'];
/**
 * Columns where the source's records written without a schema carry other JSON than Debezium's
 * default converters: decimals (text vs base64), temporal types (MySQL text vs epoch numbers /
 * ISO), BIT(n) (big- vs little-endian bytes), FLOAT (single-precision value printed as a double).
 */
const SCHEMALESS_DIFFERENT = [...DIFFERENT_BY_DESIGN, 'de', 'de_big', 'dt', 'tm', 'dtm', 'ts', 'b12', 'f'];
const OURS_EXPECTED = INTEROP_EXPECTED_MESSAGES - 2; // no tombstones from the source

const without = (row: Row | null, columns: readonly string[]) =>
  row === null ? null : Object.fromEntries(Object.entries(row).filter(([k]) => !columns.includes(k)));
const rows = (r: { op: string; before?: Row | null; after?: Row | null }, drop: readonly string[] = []) => ({
  op: r.op,
  before: without(r.before ?? null, drop),
  after: without(r.after ?? null, drop),
});
/** FLOAT compared as the float32 a reader makes of it (Debezium writes -3.4E38, the format the double of that float). */
const single = (r: ReturnType<typeof rows>) => {
  const f = (row: Row | null) =>
    row === null || row.f == null ? row : { ...row, f: Math.fround(Number(row.f)) };
  return { ...r, before: f(r.before), after: f(r.after) };
};
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);

describe('Debezium JSON interoperability with the real Debezium engine (3.5.0.Final, MariaDB connector)', () => {
  const t = useCdcTestDatabase('dbzinterop');

  it('reads what Debezium writes as the records the MySQL CDC source emits, and writes what Debezium writes', async () => {
    await createInteropTable(t.connection);
    const results = Pipeline.from(
      new MySqlCdcSource(cdcOptions(t.mariadb, [`${t.db}\\.${INTEROP_TABLE}`])),
    ).executeAndCollect({ parallelism: 1, checkpointing: { intervalMs: 200 } }, { logger: silentLogger });
    const iterator = results[Symbol.asyncIterator]();
    const ours: ChangeRecord[] = [];
    const collect = async (n: number) => {
      while (ours.length < n) {
        const next = await iterator.next();
        if (next.done === true) throw new Error(`the source ended after ${ours.length} records`);
        ours.push(next.value as ChangeRecord);
      }
    };
    let captured: CapturedMessage[];
    try {
      await collect(INTEROP_SNAPSHOT_ROWS.length);
      // Both snapshots are in before the changes: each side sees them in its binlog phase.
      const { host, port, user, password } = t.mariadb.connectionOptions();
      captured = await captureDebeziumMessages({
        host: host as string,
        port: port as number,
        user: user as string,
        ...(password === undefined ? {} : { password: password as string }),
        db: t.db,
        table: INTEROP_TABLE,
        serverId: 9_800 + (process.pid % 100),
        snapshotRows: INTEROP_SNAPSHOT_ROWS.length,
        afterSnapshot: () => applyInteropChanges(t.connection),
        expectedMessages: INTEROP_EXPECTED_MESSAGES,
      });
      await collect(OURS_EXPECTED);
    } finally {
      await results.client.cancel();
      await iterator.return?.();
    }
    expect(ours.map((r) => r.op)).toEqual(['r', 'r', 'c', 'u', 'u', 'd', 'c', 'd', 'c']);

    // Tombstones follow each delete; the format skips them.
    expect(captured.map((m) => m.withSchema === null)).toEqual(
      ['r', 'r', 'c', 'u', 'u', 'd', 't', 'c', 'd', 't', 'c'].map((k) => k === 't'),
    );
    const withSchema = new DebeziumJsonDeserializationSchema({ schemaInclude: true });
    const noSchema = new DebeziumJsonDeserializationSchema();
    const decoded = captured.flatMap((m) => withSchema.deserialize(bytes(m.withSchema ?? '')));
    const decodedPlain = captured.flatMap((m) => noSchema.deserialize(bytes(m.noSchema ?? '')));
    expect(decoded).toHaveLength(OURS_EXPECTED);
    expect(decodedPlain).toHaveLength(OURS_EXPECTED);

    // 1. Debezium's messages (with the schema) decode to the source's rows, value for value.
    expect(decoded.map((r) => rows(r, DIFFERENT_BY_DESIGN))).toEqual(
      ours.map((r) => rows(r, DIFFERENT_BY_DESIGN)),
    );
    for (const [i, record] of decoded.entries()) {
      expect(record.source, `message ${i}`).toMatchObject({ db: t.db, table: INTEROP_TABLE });
      expect(decodedPlain[i]?.op).toBe(record.op);
    }
    // ... and the documented differences are exactly these.
    const row3 = (records: readonly ChangeRecord[]) => records[2]?.after as Row;
    expect(row3(ours).biu).toBe(18446744073709551615n);
    expect(row3(decoded).biu).toBe(-1);
    expect(row3(ours).b1).toEqual(Buffer.from([0]));
    expect(row3(decoded).b1).toBe(false);

    // 2. The source's records written with Debezium's schema are Debezium's payloads, value for value.
    const payloads = captured
      .filter((m) => m.withSchema !== null)
      .map((m) => parseExactJson(m.withSchema as string) as { schema: unknown; payload: Payload });
    for (const [i, record] of ours.entries()) {
      const dbz = payloads[i] as { schema: unknown; payload: Payload };
      const written = parseExactJson(
        text(
          new DebeziumJsonSerializationSchema({ schemaInclude: true }).serialize({
            ...record,
            schema: dbz.schema,
          }),
        ),
      ) as { payload: Payload };
      expect(single(rows(written.payload, DIFFERENT_BY_DESIGN)), `record ${i}`).toEqual(
        single(rows(dbz.payload, DIFFERENT_BY_DESIGN)),
      );
      // And they read back as the source's records.
      const [back] = withSchema.deserialize(
        new DebeziumJsonSerializationSchema({ schemaInclude: true }).serialize({
          ...record,
          schema: dbz.schema,
        }),
      );
      expect(rows(back as ChangeRecord, DIFFERENT_BY_DESIGN)).toEqual(rows(record, DIFFERENT_BY_DESIGN));
    }

    // 3. Without schemas: the same JSON as Debezium's default converters except the listed columns.
    const plain = captured
      .filter((m) => m.noSchema !== null)
      .map((m) => parseExactJson(m.noSchema as string) as Payload);
    const differing = new Set<string>();
    for (const [i, record] of ours.entries()) {
      const written = parseExactJson(
        text(new DebeziumJsonSerializationSchema().serialize(record)),
      ) as Payload;
      const dbz = plain[i] as Payload;
      for (const part of ['before', 'after'] as const) {
        const a = written[part];
        const b = dbz[part];
        expect(a === null, `record ${i} ${part}`).toBe(b === null);
        if (a === null || b === null) continue;
        expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
        for (const column of Object.keys(a))
          if (a[column] !== null && !isDeepEqual(a[column], b[column])) differing.add(column);
      }
      // Read back without a schema, both give the same rows apart from those columns.
      const [ourPlain] = noSchema.deserialize(new DebeziumJsonSerializationSchema().serialize(record));
      expect(rows(ourPlain as ChangeRecord, SCHEMALESS_DIFFERENT)).toEqual(
        rows(decodedPlain[i] as ChangeRecord, SCHEMALESS_DIFFERENT),
      );
    }
    expect([...differing].sort()).toEqual([...SCHEMALESS_DIFFERENT].sort());
  });
});

function isDeepEqual(a: unknown, b: unknown): boolean {
  try {
    expect(a).toEqual(b);
    return true;
  } catch {
    return false;
  }
}
