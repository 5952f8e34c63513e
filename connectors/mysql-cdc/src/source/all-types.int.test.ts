import { type ChangeRecord, Pipeline, silentLogger } from '@tributary/core';
import { type MariaDbService, useService } from '@tributary/e2e';
import { type Connection, createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cdcOptions, readTableText, textRow } from '../testing-fixtures/cdc-fixtures.js';
import { MySqlCdcSource } from './mysql-cdc-source.js';

const COLUMNS = `id INT PRIMARY KEY,
  ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, mi MEDIUMINT, i INT, iu INT UNSIGNED,
  bi BIGINT, biu BIGINT UNSIGNED, de DECIMAL(65,30), de0 DECIMAL(10,0), f FLOAT, d DOUBLE,
  bt BIT(64), b1 BIT(1), dt DATE, dtm DATETIME(6), dtm0 DATETIME, ts TIMESTAMP(6) NULL, tm TIME(6), yr YEAR,
  c CHAR(10), vc VARCHAR(100), tx TEXT, bin BINARY(4), vb VARBINARY(16), bl BLOB,
  e ENUM('a','b','c'), st SET('x','y','z'), j JSON`;

const ROWS = [
  `(1, 127, 255, 32767, 8388607, 2147483647, 4294967295, 9223372036854775807, 18446744073709551615,
    '99999999999999999999999999999999999.999999999999999999999999999999', 9999999999, 3.4e38, 1.7976931348623157e308,
    b'1111111111111111111111111111111111111111111111111111111111111111', b'1', '9999-12-31', '9999-12-31 23:59:59.999999',
    '9999-12-31 23:59:59', '2038-01-19 03:14:07.999999', '838:59:59.000000', 2155, 'abc', '😀 emoji ✓ ünï',
    REPEAT('long text ', 500), 0xDEADBEEF, 0x00FF00, 0x0102, 'c', 'x,z',
    '{"k": [1, 2.50, "s", null, {"n": 12345678901234567890}], "e": "😀"}')`,
  `(2, -128, 0, -32768, -8388608, -2147483648, 0, -9223372036854775808, 0,
    '-99999999999999999999999999999999999.999999999999999999999999999999', -9999999999, -1.5, -2.2250738585072014e-308,
    b'0', b'0', '1000-01-01', '1000-01-01 00:00:00.000001', '1000-01-01 00:00:00', '1970-01-01 00:00:01.000001',
    '-838:59:59.000000', 1901, '', '', '', 0x00000000, '', '', 'a', '', '[]')`,
  '(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)',
  `(4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, b'0', b'0', '0000-00-00', '0000-00-00 00:00:00.000000', '0000-00-00 00:00:00',
    '2024-02-29 12:34:56.5', '00:00:00.1', 0, 'x', 'y', 'z', 0x01, 0x02, 0x03, 'b', 'y', '{"a": 1}')`,
];

describe('every MariaDB type through snapshot and binlog', () => {
  let mariadb: MariaDbService;
  let db: string;
  let connection: Connection;

  beforeAll(async () => {
    mariadb = await useService('mariadb');
    db = await mariadb.createDatabase('types');
    connection = await createConnection({
      ...mariadb.connectionOptions(db),
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      jsonStrings: true,
    });
    await connection.query("SET time_zone = '+00:00', sql_mode = ''");
  });
  afterAll(async () => {
    await connection?.end();
    await mariadb?.close();
  });

  it('emits identical typed rows from the snapshot and from the binlog, equal to the table', async () => {
    await connection.query(`CREATE TABLE t (${COLUMNS})`);
    await connection.query(`INSERT INTO t VALUES ${ROWS.join(',')}`);
    const results = Pipeline.from(new MySqlCdcSource(cdcOptions(mariadb, [`${db}\\.t`]))).executeAndCollect(
      { parallelism: 1, checkpointing: { intervalMs: 100 } },
      { logger: silentLogger },
    );
    const byId = new Map<number, ChangeRecord>();
    for await (const record of results) {
      const change = record as ChangeRecord;
      const row = change.after as { id: number };
      byId.set(row.id, change);
      // The snapshot is in: write the same rows again, so they come through the binlog.
      if (byId.size === ROWS.length)
        await connection.query(
          'INSERT INTO t SELECT id + 100, ti, tiu, si, mi, i, iu, bi, biu, de, de0, f, d, bt, b1, dt, dtm, dtm0, ts, tm, yr, c, vc, tx, bin, vb, bl, e, st, j FROM t',
        );
      if (byId.size === 2 * ROWS.length) break;
    }
    const table = await readTableText(connection, 't', ['id']);
    for (const id of [1, 2, 3, 4]) {
      const snapshot = byId.get(id) as ChangeRecord;
      const binlog = byId.get(id + 100) as ChangeRecord;
      expect(snapshot.op).toBe('r');
      expect(binlog.op).toBe('c');
      expect({ ...binlog.after, id }).toEqual(snapshot.after);
      // Against the table as mysql2 reads it (FLOAT aside: the text protocol rounds it).
      const { f: _f, ...expected } = table.get(String(id)) as Record<string, string | null>;
      const { f: _g, ...actual } = textRow(snapshot.after as Record<string, unknown>);
      expect(actual).toEqual(expected);
    }
    const max = byId.get(101)?.after as Record<string, unknown>;
    expect(max.biu).toBe(18446744073709551615n);
    expect(max.bi).toBe(9223372036854775807n);
    expect(max.de).toBe('99999999999999999999999999999999999.999999999999999999999999999999');
    expect(max.dtm).toBe('9999-12-31 23:59:59.999999');
    expect(max.ts).toBe('2038-01-19 03:14:07.999999');
    expect(max.tm).toBe('838:59:59.000000');
    expect(max.vc).toBe('😀 emoji ✓ ünï');
    expect(max.bt).toEqual(Buffer.alloc(8, 0xff));
    expect(max.f).toBe(Math.fround(3.4e38));
    expect(JSON.parse(max.j as string).e).toBe('😀');
    expect((byId.get(104)?.after as Record<string, unknown> | undefined)?.dt).toBe('0000-00-00');
    expect((byId.get(103)?.after as Record<string, unknown> | undefined)?.j).toBeNull();
  });
});
