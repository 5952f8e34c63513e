/**
 * Consistency under load: three MariaDB tables (one with a composite key, one without a primary
 * key, chunked by a unique column) are snapshotted and streamed into PostgreSQL through the JDBC
 * upsert sink while a workload runs concurrent inserts, updates, deletes, key changes and
 * multi-row transactions through the snapshot and the binlog phase. At the end both sides are
 * read with their own clients (mysql2, pg) and compared row by row.
 */
import { JdbcSink } from '@tributary/connector-jdbc';
import { type ChangeRecord, type JobClient, Pipeline, silentLogger } from '@tributary/core';
import { type MariaDbService, type PostgresService, useService } from '@tributary/e2e';
import { type Connection, createConnection, type RowDataPacket } from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cdcOptions } from '../testing-fixtures/cdc-fixtures.js';
import { MySqlCdcSource } from './mysql-cdc-source.js';

const TABLES = [
  {
    name: 'accounts',
    key: ['id'],
    mysql:
      'id BIGINT PRIMARY KEY, balance DECIMAL(20,4) NOT NULL, updated DATETIME(6) NOT NULL, note VARCHAR(50)',
    pg: 'id BIGINT PRIMARY KEY, balance NUMERIC(20,4) NOT NULL, updated TIMESTAMP(6) NOT NULL, note TEXT',
  },
  {
    name: 'order_lines',
    key: ['order_id', 'line_no'],
    mysql:
      'order_id INT NOT NULL, line_no INT NOT NULL, qty INT NOT NULL, price DECIMAL(10,2), PRIMARY KEY (order_id, line_no)',
    pg: 'order_id INT NOT NULL, line_no INT NOT NULL, qty INT NOT NULL, price NUMERIC(10,2), PRIMARY KEY (order_id, line_no)',
  },
  {
    name: 'events',
    key: ['ev_id'],
    mysql: 'ev_id BIGINT NOT NULL UNIQUE, payload VARCHAR(100), n INT',
    pg: 'ev_id BIGINT PRIMARY KEY, payload TEXT, n INT',
  },
] as const;

const ROWS = 3000;

describe('MySQL CDC → JDBC upsert (PostgreSQL) under a concurrent workload', () => {
  let mariadb: MariaDbService;
  let postgres: PostgresService;
  let db: string;
  let pgDb: string;
  let my: Connection;
  let pgClient: pg.Client;
  const jobs: JobClient[] = [];

  beforeAll(async () => {
    [mariadb, postgres] = await Promise.all([useService('mariadb'), useService('postgres')]);
    db = await mariadb.createDatabase('load');
    pgDb = await postgres.createDatabase('load');
    my = await createConnection({
      ...mariadb.connectionOptions(db),
      dateStrings: true,
      bigNumberStrings: true,
      supportBigNumbers: true,
    });
    // Every value as the server's text: the oracle shares no conversion code with the connector.
    pgClient = new pg.Client({
      ...postgres.clientConfig(pgDb),
      types: { getTypeParser: () => (v: string) => v },
    });
    await pgClient.connect();
  });
  afterAll(async () => {
    for (const job of jobs) await job.cancel().catch(() => {});
    await my?.end();
    await pgClient?.end();
    await mariadb?.close();
    await postgres?.close();
  });

  it('ends with PostgreSQL equal to MariaDB, row by row', async () => {
    for (const t of TABLES) {
      await my.query(`CREATE TABLE ${t.name} (${t.mysql})`);
      await pgClient.query(`CREATE TABLE ${t.name} (${t.pg})`);
    }
    const ids = Array.from({ length: ROWS }, (_, i) => i);
    await my.query(
      `INSERT INTO accounts VALUES ${ids.map((i) => `(${i}, ${i}.5, '2024-01-01 00:00:00.${String(i).padStart(6, '0')}', 'a${i}')`).join(',')}`,
    );
    await my.query(
      `INSERT INTO order_lines VALUES ${ids.map((i) => `(${Math.floor(i / 4)}, ${i % 4}, ${i}, ${i}.25)`).join(',')}`,
    );
    await my.query(`INSERT INTO events VALUES ${ids.map((i) => `(${i * 7}, 'p${i}', ${i})`).join(',')}`);

    for (const t of TABLES) {
      const source = new MySqlCdcSource(
        cdcOptions(mariadb, [`${db}\\.${t.name}`], {
          chunkSize: 400,
          chunkKeyColumns: { [`${db}.events`]: 'ev_id' },
        }),
      );
      const { host, port, user, password } = postgres.clientConfig(pgDb);
      const sink = new JdbcSink<ChangeRecord>({
        dialect: 'postgres',
        host: String(host),
        port: Number(port),
        user: String(user),
        password: String(password ?? ''),
        database: pgDb,
        table: t.name,
        input: 'changelog',
        keyColumns: [...t.key],
        batchIntervalMs: 50,
      });
      jobs.push(
        Pipeline.from(source)
          .sinkTo(sink)
          .start({ parallelism: 2, checkpointing: { intervalMs: 200 } }, { logger: silentLogger }),
      );
    }

    // The workload: runs while the snapshot and then the binlog phase go on.
    const workers = [
      accountsWorkload(mariadb, db),
      orderLinesWorkload(mariadb, db),
      eventsWorkload(mariadb, db),
    ];
    await Promise.all(workers);
    await my.query("INSERT INTO accounts VALUES (-1, 0, '2000-01-01', 'end')");
    await my.query('INSERT INTO order_lines VALUES (-1, -1, 0, 0)');
    await my.query("INSERT INTO events VALUES (-1, 'end', 0)");

    const deadline = Date.now() + 120_000;
    for (const t of TABLES) {
      for (;;) {
        const { rows } = await pgClient.query(`SELECT 1 FROM ${t.name} WHERE ${t.key[0]} = -1`);
        if (rows.length > 0) break;
        for (const job of jobs) if (job.status() === 'failed') await job.result;
        if (Date.now() > deadline) throw new Error(`the end marker of ${t.name} never reached PostgreSQL`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    for (const t of TABLES) {
      const [source] = await my.query<RowDataPacket[]>(`SELECT * FROM ${t.name}`);
      const { rows: target } = await pgClient.query(`SELECT * FROM ${t.name}`);
      const keyOf = (r: Record<string, unknown>) => t.key.map((k) => String(r[k])).join('|');
      const expected = new Map(source.map((r) => [keyOf(r), canonical(r)]));
      const actual = new Map(target.map((r: Record<string, unknown>) => [keyOf(r), canonical(r)]));
      expect(actual.size, t.name).toBe(expected.size);
      const differing = [...expected]
        .filter(([k, row]) => JSON.stringify(actual.get(k)) !== JSON.stringify(row))
        .map(([key, row]) => ({ key, source: row, target: actual.get(key) ?? null }));
      expect(differing.slice(0, 5), t.name).toEqual([]);
    }
  });
});

/** Values as text; timestamps without trailing fractional zeros (PostgreSQL prints `.1`, MariaDB `.100000`). */
function canonical(row: Record<string, unknown>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(row)) {
    const text = v === null || v === undefined ? null : String(v);
    out[k] =
      text !== null && /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/.test(text)
        ? text.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '')
        : text;
  }
  return out;
}

async function withConnection(mariadb: MariaDbService, db: string, work: (c: Connection) => Promise<void>) {
  const c = await createConnection(mariadb.connectionOptions(db));
  try {
    await work(c);
  } finally {
    await c.end();
  }
}

const ROUNDS = 120;

/** Balance updates, deletes, inserts, id changes, in multi-statement transactions. */
function accountsWorkload(mariadb: MariaDbService, db: string) {
  return withConnection(mariadb, db, async (c) => {
    for (let n = 1; n <= ROUNDS; n++) {
      const id = (n * 97) % ROWS;
      await c.query('BEGIN');
      await c.query('UPDATE accounts SET balance = balance + 1.0001, updated = NOW(6) WHERE id IN (?, ?)', [
        id,
        (id + 1) % ROWS,
      ]);
      await c.query('DELETE FROM accounts WHERE id = ?', [(id + 13) % ROWS]);
      await c.query(
        "INSERT INTO accounts VALUES (?, 1, NOW(6), 'new') ON DUPLICATE KEY UPDATE note = 'dup'",
        [ROWS + n],
      );
      await c.query('UPDATE accounts SET id = id + 1000000 WHERE id = ?', [(id + 29) % ROWS]);
      await c.query('COMMIT');
    }
  });
}

/** Composite key: quantity updates, multi-row deletes, line-number (key) changes. */
function orderLinesWorkload(mariadb: MariaDbService, db: string) {
  return withConnection(mariadb, db, async (c) => {
    for (let n = 1; n <= ROUNDS; n++) {
      const order = (n * 31) % (ROWS / 4);
      await c.query('BEGIN');
      await c.query('UPDATE order_lines SET qty = qty + 1 WHERE order_id = ?', [order]);
      await c.query('UPDATE order_lines SET line_no = line_no + 10 WHERE order_id = ? AND line_no = 1', [
        (order + 7) % (ROWS / 4),
      ]);
      await c.query('DELETE FROM order_lines WHERE order_id = ?', [(order + 3) % (ROWS / 4)]);
      await c.query('INSERT INTO order_lines VALUES (?, 0, 1, 1.00), (?, 1, 2, 2.00)', [ROWS + n, ROWS + n]);
      await c.query('COMMIT');
    }
  });
}

/** No primary key, chunked by the unique `ev_id`: updates of other columns, deletes, key changes. */
function eventsWorkload(mariadb: MariaDbService, db: string) {
  return withConnection(mariadb, db, async (c) => {
    for (let n = 1; n <= ROUNDS; n++) {
      const ev = ((n * 53) % ROWS) * 7;
      await c.query("UPDATE events SET n = n + 1, payload = CONCAT(payload, '+') WHERE ev_id = ?", [ev]);
      await c.query('DELETE FROM events WHERE ev_id = ?', [(ev + 70) % (ROWS * 7)]);
      await c.query('UPDATE events SET ev_id = ev_id + 1 WHERE ev_id = ?', [(ev + 140) % (ROWS * 7)]);
      await c.query("INSERT INTO events VALUES (?, 'new', 0)", [ROWS * 10 + n]);
    }
  });
}
