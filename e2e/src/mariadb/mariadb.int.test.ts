import { type Connection, createConnection, type RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useService } from '../services/use-service.js';
import type { MariaDbService } from './mariadb-service.js';

describe('mariadb service', () => {
  let mariadb: MariaDbService;
  let database: string;
  let connection: Connection;

  beforeAll(async () => {
    mariadb = await useService('mariadb');
    database = await mariadb.createDatabase('smoke');
    connection = await createConnection(mariadb.connectionOptions(database));
  });
  afterAll(async () => {
    await connection?.end();
    await mariadb?.close();
  });

  it('answers queries in its own database', async () => {
    const [rows] = await connection.query<RowDataPacket[]>('SELECT DATABASE() AS db, 1 + 1 AS two');
    expect(rows[0]).toMatchObject({ db: database, two: 2 });
  });

  it('records row events in a ROW-format binlog with GTIDs', async () => {
    const [variables] = await connection.query<RowDataPacket[]>(
      "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('log_bin', 'binlog_format', 'binlog_row_image')",
    );
    expect(Object.fromEntries(variables.map((row) => [row.Variable_name, row.Value]))).toEqual({
      log_bin: 'ON',
      binlog_format: 'ROW',
      binlog_row_image: 'FULL',
    });

    const [before] = await connection.query<RowDataPacket[]>('SHOW MASTER STATUS');
    const file = String(before[0]?.File);
    const position = Number(before[0]?.Position);
    expect(file).toMatch(/bin\.\d+$/);

    await connection.query('CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(32))');
    await connection.query("INSERT INTO items VALUES (1, 'one'), (2, 'two')");
    await connection.query("UPDATE items SET name = 'uno' WHERE id = 1");

    const [events] = await connection.query<RowDataPacket[]>(
      `SHOW BINLOG EVENTS IN '${file}' FROM ${position}`,
    );
    const types = events.map((event) => String(event.Event_type));
    expect(types).toContain('Gtid');
    expect(types).toContain('Table_map');
    expect(types).toContain('Write_rows_v1');
    expect(types).toContain('Update_rows_v1');
    expect(events.some((event) => String(event.Info).includes(`(${database}.items)`))).toBe(true);

    const [gtid] = await connection.query<RowDataPacket[]>('SELECT @@gtid_binlog_pos AS pos');
    expect(String(gtid[0]?.pos)).toMatch(/^\d+-\d+-\d+/);
  });

  it('drops the databases it created on cleanup', async () => {
    const extra = await mariadb.createDatabase('dropme');
    await mariadb.deleteDatabase(extra);
    const [rows] = await connection.query<RowDataPacket[]>('SHOW DATABASES LIKE ?', [extra]);
    expect(rows).toHaveLength(0);
  });
});
