import { createConnection, type RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { MariaDbService } from '../mariadb/mariadb-service.js';
import type { PostgresService } from '../postgres/postgres-service.js';
import { useService } from '../services/use-service.js';

/**
 * The "private instance" snippet of docs/e2e.md (the `#region` below), run for real:
 * contract-docs.test.ts in the test kit copies it into the page. The assertions check what the page
 * promises: own settings on top of the harness ones, a kill and restarts on the same port with the
 * data kept and changed settings applied.
 */

/** One setting of the running MariaDB, read through a fresh connection. */
async function setting(mariadb: MariaDbService, name: string): Promise<unknown> {
  const connection = await createConnection(mariadb.connectionOptions());
  try {
    const [rows] = await connection.query<RowDataPacket[]>(`SELECT @@${name} AS value`);
    return rows[0]?.value;
  } finally {
    await connection.end();
  }
}

// #region private-instances
let pg: PostgresService;
let mariadb: MariaDbService;
beforeAll(async () => {
  pg = await useService('postgres', { private: true });
  mariadb = await useService('mariadb', {
    settings: { binlog_row_metadata: 'MINIMAL', max_binlog_size: 4096, expire_logs_days: 1 },
  });
});
afterAll(() => Promise.all([pg?.close(), mariadb?.close()])); // stop the instances, delete their data

it('comes back after a crash', async () => {
  const port = mariadb.connection.port;
  await mariadb.kill(); // SIGKILL to the server's whole process group, as a crash would
  await mariadb.restart(); // same host, port and data; resolves once crash recovery is done
  await mariadb.restart({ settings: { binlog_row_metadata: 'FULL' } }); // for this and later starts
  expect(mariadb.connection.port).toBe(port);
  expect(await setting(mariadb, 'binlog_row_metadata')).toBe('FULL');
});
// #endregion private-instances

it('runs its own servers with the settings given on top of the harness ones', async () => {
  expect(pg.isPrivate).toBe(true);
  expect(mariadb.isPrivate).toBe(true);
  expect(await setting(mariadb, 'max_binlog_size')).toBe(4096);
  expect(await setting(mariadb, 'binlog_format')).toBe('ROW');
  const admin = await pg.adminClient();
  expect((await admin.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
});
