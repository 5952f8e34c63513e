/**
 * The table and the changes the Debezium interoperability check runs on: the common column types,
 * two rows for the snapshot, then inserts, updates (one of them of the primary key) and a delete
 * through the binlog. Shared by the fixture script and the e2e test so both see the same messages.
 */
import type { Connection } from 'mysql2/promise';

export const INTEROP_TABLE = 'dbz_types';

export const INTEROP_COLUMNS = `id INT PRIMARY KEY,
  ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED,
  de DECIMAL(12,4), de_big DECIMAL(38,10), f FLOAT, d DOUBLE,
  vc VARCHAR(64), tx TEXT, bl BLOB, bn BINARY(4),
  dt DATE, tm TIME(6), dtm DATETIME(6), ts TIMESTAMP(6) NULL DEFAULT NULL,
  j JSON, e ENUM('a','b','c'), st SET('x','y','z'), b1 BIT(1), b12 BIT(12)`;

/** Rows present before the capture starts: the snapshot reads them (`op: 'r'`). */
export const INTEROP_SNAPSHOT_ROWS = [
  `(1, -128, 255, -32768, 4294967295, -9223372036854775808, 9223372036854775807,
    '-12345678.9012', '1234567890123456789012345678.0123456789', 1.5, -2.25,
    'snapshot ✓ 😀', 'text', 0x00FF10, 0xDEADBEEF,
    '2024-02-29', '-838:59:59.000000', '2024-02-29 23:59:59.999999', '2038-01-19 03:14:07.999999',
    '{"a": [1, 2.5, "s", null]}', 'b', 'x,z', b'1', b'101010101010')`,
  '(2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)',
];

/** The binlog phase, statement by statement (autocommit each). */
export const INTEROP_CHANGES = [
  `INSERT INTO ${INTEROP_TABLE} VALUES (3, 127, 0, 32767, 0, 9223372036854775807, 18446744073709551615,
    '99999999.9999', '-0.0000000001', -3.4e38, 1.7976931348623157e308,
    '', 'long ${'x'.repeat(40)}', '', 0x00000000,
    '1000-01-01', '00:00:00.000001', '1970-01-01 00:00:00.000000', '1970-01-01 00:00:01.000001',
    '[]', 'a', '', b'0', b'000000000001')`,
  `UPDATE ${INTEROP_TABLE} SET vc = 'updated', de = '0.0001', dtm = '2000-01-01 12:00:00.5', f = NULL WHERE id = 1`,
  `UPDATE ${INTEROP_TABLE} SET ti = 7, tm = '12:34:56.789', dt = '1969-12-31', j = '{"k": "v"}', st = 'y', bl = 0x01,
    ts = '2000-01-01 00:00:00.5', b12 = b'100000000000' WHERE id = 2`,
  `DELETE FROM ${INTEROP_TABLE} WHERE id = 3`,
  `INSERT INTO ${INTEROP_TABLE} (id, vc, biu, de) VALUES (4, 'to be re-keyed', 18446744073709551615, '5')`,
  `UPDATE ${INTEROP_TABLE} SET id = 5 WHERE id = 4`,
];

/**
 * Messages Debezium produces: 2 snapshot reads; insert 3 (c); two updates (u); delete 3 (d +
 * tombstone); insert 4 (c); the key change 4 → 5 (d + tombstone, c).
 */
export const INTEROP_EXPECTED_MESSAGES = 2 + 1 + 2 + 2 + 1 + 3;

/** Creates the table with its snapshot rows (session time zone UTC, strict mode). */
export async function createInteropTable(connection: Connection): Promise<void> {
  await connection.query("SET time_zone = '+00:00'");
  await connection.query(`DROP TABLE IF EXISTS ${INTEROP_TABLE}`);
  await connection.query(`CREATE TABLE ${INTEROP_TABLE} (${INTEROP_COLUMNS})`);
  await connection.query(`INSERT INTO ${INTEROP_TABLE} VALUES ${INTEROP_SNAPSHOT_ROWS.join(',')}`);
}

/** Applies {@link INTEROP_CHANGES} in order. */
export async function applyInteropChanges(connection: Connection): Promise<void> {
  await connection.query("SET time_zone = '+00:00'");
  for (const statement of INTEROP_CHANGES) await connection.query(statement);
}
