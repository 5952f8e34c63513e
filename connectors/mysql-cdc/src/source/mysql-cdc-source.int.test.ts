import { type ChangeRecord, Pipeline, silentLogger } from '@tributary/core';
import { type MariaDbService, useService } from '@tributary/e2e';
import { type Connection, createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyChange, cdcOptions, keyOf, readTableText, textRow } from '../testing-fixtures/cdc-fixtures.js';
import { MySqlCdcSource } from './mysql-cdc-source.js';

const env = { logger: silentLogger };

describe('MySqlCdcSource on MariaDB', () => {
  let mariadb: MariaDbService;
  let db: string;
  let connection: Connection;

  beforeAll(async () => {
    mariadb = await useService('mariadb');
    db = await mariadb.createDatabase('cdc');
    connection = await createConnection({
      ...mariadb.connectionOptions(db),
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
    });
  });
  afterAll(async () => {
    await connection?.end();
    await mariadb?.close();
  });

  it('snapshots in parallel chunks while writes go on, then streams, and ends equal to the table', async () => {
    await connection.query('CREATE TABLE items (id BIGINT PRIMARY KEY, v INT NOT NULL, note VARCHAR(40))');
    const values = Array.from({ length: 3000 }, (_, i) => `(${i}, ${i}, 'n${i}')`).join(',');
    await connection.query(`INSERT INTO items VALUES ${values}`);

    const source = new MySqlCdcSource(cdcOptions(mariadb, [`${db}\\.items`], { chunkSize: 400 }));
    const results = Pipeline.from(source).executeAndCollect(
      { parallelism: 2, checkpointing: { intervalMs: 150 } },
      env,
    );
    let stop = false;
    const workload = (async () => {
      let n = 0;
      while (!stop && n < 150) {
        n++;
        const id = (n * 37) % 3000;
        await connection.query('BEGIN');
        await connection.query('UPDATE items SET v = v + 1 WHERE id = ?', [id]);
        await connection.query('DELETE FROM items WHERE id = ?', [(id + 11) % 3000]);
        await connection.query('INSERT INTO items VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE v = VALUES(v)', [
          5000 + n,
          n,
          'new',
        ]);
        await connection.query('UPDATE items SET id = id + 100000 WHERE id = ?', [(id + 500) % 3000]);
        await connection.query('COMMIT');
      }
      await connection.query("INSERT INTO items VALUES (999999, 0, 'sentinel')");
    })();

    const view = new Map<string, Record<string, unknown>>();
    const ops = new Set<string>();
    for await (const record of results) {
      const change = record as ChangeRecord;
      ops.add(change.op);
      applyChange(view, change, ['id']);
      if (change.op === 'c' && (change.after as { id: bigint }).id === 999999n) break;
    }
    stop = true;
    await workload;
    const expected = await readTableText(connection, 'items', ['id']);
    const actual = new Map([...view].map(([k, v]) => [k, textRow(v)]));
    expect(actual.size).toBe(expected.size);
    for (const [key, row] of expected) expect(actual.get(key), key).toEqual(row);
    expect([...ops].sort()).toEqual(['c', 'd', 'r', 'u']);
    expect(typeof view.get(keyOf({ id: 1 }, ['id']))?.id).toBe('bigint');
  });
});
