/**
 * Test-only: the tables and the concurrent workload of the consistency and crash tests, and the
 * oracle's comparison. The workload runs inserts, updates, deletes, primary-key changes and
 * multi-row transactions on MariaDB while a CDC job snapshots and streams the tables; the
 * comparison reads both sides with their own clients (mysql2, pg, Kafka's Java consumer) and
 * shares no code with the connector.
 */
import type { MariaDbService } from '@tributary/e2e';
import { type Connection, createConnection, type RowDataPacket } from 'mysql2/promise';

/** A captured table: its MariaDB and PostgreSQL definitions and the columns that identify a row. */
export interface WorkloadTable {
  readonly name: 'accounts' | 'order_lines' | 'events';
  readonly key: readonly string[];
  readonly mysql: string;
  readonly pg: string;
}

export const ACCOUNTS: WorkloadTable = {
  name: 'accounts',
  key: ['id'],
  mysql:
    'id BIGINT PRIMARY KEY, balance DECIMAL(20,4) NOT NULL, updated DATETIME(6) NOT NULL, note VARCHAR(50)',
  pg: 'id BIGINT PRIMARY KEY, balance NUMERIC(20,4) NOT NULL, updated TIMESTAMP(6) NOT NULL, note TEXT',
};

/** A composite primary key. */
export const ORDER_LINES: WorkloadTable = {
  name: 'order_lines',
  key: ['order_id', 'line_no'],
  mysql:
    'order_id INT NOT NULL, line_no INT NOT NULL, qty INT NOT NULL, price DECIMAL(10,2), PRIMARY KEY (order_id, line_no)',
  pg: 'order_id INT NOT NULL, line_no INT NOT NULL, qty INT NOT NULL, price NUMERIC(10,2), PRIMARY KEY (order_id, line_no)',
};

/** No primary key: chunked by the unique NOT NULL `ev_id` (`chunkKeyColumns`). */
export const EVENTS: WorkloadTable = {
  name: 'events',
  key: ['ev_id'],
  mysql: 'ev_id BIGINT NOT NULL UNIQUE, payload VARCHAR(100), n INT',
  pg: 'ev_id BIGINT PRIMARY KEY, payload TEXT, n INT',
};

/** Creates `table` in MariaDB with `rows` initial rows (ids 0 … rows − 1). */
export async function createAndFill(my: Connection, table: WorkloadTable, rows: number): Promise<void> {
  await my.query(`CREATE TABLE ${table.name} (${table.mysql})`);
  const ids = Array.from({ length: rows }, (_, i) => i);
  const values = {
    accounts: (i: number) => `(${i}, ${i}.5, '2024-01-01 00:00:00.${String(i).padStart(6, '0')}', 'a${i}')`,
    order_lines: (i: number) => `(${Math.floor(i / 4)}, ${i % 4}, ${i}, ${i}.25)`,
    events: (i: number) => `(${i * 7}, 'p${i}', ${i})`,
  }[table.name];
  for (let from = 0; from < rows; from += 5000) {
    const batch = ids.slice(from, from + 5000).map(values);
    await my.query(`INSERT INTO ${table.name} VALUES ${batch.join(',')}`);
  }
}

/** The last row a workload writes: once the target has it, the target has caught up. */
export const END_MARKER_SQL: Readonly<Record<WorkloadTable['name'], string>> = {
  accounts: "INSERT INTO accounts VALUES (-1, 0, '2000-01-01', 'end')",
  order_lines: 'INSERT INTO order_lines VALUES (-1, -1, 0, 0)',
  events: "INSERT INTO events VALUES (-1, 'end', 0)",
};

/** How long a workload runs: a number of rounds, or until `stopped()`; `pauseMs` between rounds. */
export interface WorkloadPace {
  /** Initial rows of the table (the workload picks existing ids below it). */
  readonly rows: number;
  readonly rounds?: number;
  readonly stopped?: () => boolean;
  readonly pauseMs?: number;
}

/** Runs the workload of `table` on its own connection; resolves with the number of rounds. */
export async function runWorkload(
  mariadb: MariaDbService,
  db: string,
  table: WorkloadTable,
  pace: WorkloadPace,
): Promise<number> {
  const round = ROUNDS[table.name];
  const c = await createConnection(mariadb.connectionOptions(db));
  let n = 0;
  try {
    while (pace.rounds === undefined ? !pace.stopped?.() : n < pace.rounds) {
      n++;
      await round(c, n, pace.rows);
      if (pace.pauseMs !== undefined) await new Promise((r) => setTimeout(r, pace.pauseMs));
    }
  } finally {
    await c.end();
  }
  return n;
}

type Round = (c: Connection, n: number, rows: number) => Promise<void>;

const ROUNDS: Readonly<Record<WorkloadTable['name'], Round>> = {
  /** Balance updates, deletes, inserts, id changes, in one multi-statement transaction. */
  async accounts(c, n, rows) {
    const id = (n * 97) % rows;
    await c.query('BEGIN');
    await c.query('UPDATE accounts SET balance = balance + 1.0001, updated = NOW(6) WHERE id IN (?, ?)', [
      id,
      (id + 1) % rows,
    ]);
    await c.query('DELETE FROM accounts WHERE id = ?', [(id + 13) % rows]);
    await c.query("INSERT INTO accounts VALUES (?, 1, NOW(6), 'new') ON DUPLICATE KEY UPDATE note = 'dup'", [
      rows + n,
    ]);
    await c.query('UPDATE accounts SET id = id + 1000000 WHERE id = ?', [(id + 29) % rows]);
    await c.query('COMMIT');
  },
  /** Composite key: quantity updates, multi-row deletes, line-number (key) changes. */
  async order_lines(c, n, rows) {
    const orders = rows / 4;
    const order = (n * 31) % orders;
    await c.query('BEGIN');
    await c.query('UPDATE order_lines SET qty = qty + 1 WHERE order_id = ?', [order]);
    await c.query('UPDATE order_lines SET line_no = line_no + 10 WHERE order_id = ? AND line_no = 1', [
      (order + 7) % orders,
    ]);
    await c.query('DELETE FROM order_lines WHERE order_id = ?', [(order + 3) % orders]);
    await c.query('INSERT INTO order_lines VALUES (?, 0, 1, 1.00), (?, 1, 2, 2.00)', [rows + n, rows + n]);
    await c.query('COMMIT');
  },
  /** Updates of other columns, deletes, key changes (autocommit: one statement each). */
  async events(c, n, rows) {
    const ev = ((n * 53) % rows) * 7;
    await c.query("UPDATE events SET n = n + 1, payload = CONCAT(payload, '+') WHERE ev_id = ?", [ev]);
    await c.query('DELETE FROM events WHERE ev_id = ?', [(ev + 70) % (rows * 7)]);
    await c.query('UPDATE events SET ev_id = ev_id + 1 WHERE ev_id = ?', [(ev + 140) % (rows * 7)]);
    await c.query("INSERT INTO events VALUES (?, 'new', 0)", [rows * 10 + n]);
  },
};

/** A row as text per column: the form both oracles compare. */
export type TextRow = Record<string, string | null>;

/**
 * Values as text; timestamps without trailing fractional zeros (PostgreSQL prints `.1`, MariaDB
 * `.100000`).
 */
export function canonical(row: Record<string, unknown>): TextRow {
  const out: TextRow = {};
  // Sorted columns: each side lists them in its own order.
  for (const [k, v] of Object.entries(row).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const text = v === null || v === undefined ? null : String(v);
    out[k] =
      text !== null && /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/.test(text)
        ? text.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '')
        : text;
  }
  return out;
}

/** The text of a row's key. */
export function keyText(table: WorkloadTable, row: Record<string, unknown>): string {
  return table.key.map((k) => String(row[k])).join('|');
}

/** The source table as MariaDB's own text (mysql2 with date and big-number strings), by key. */
export async function readSourceTable(my: Connection, table: WorkloadTable): Promise<Map<string, TextRow>> {
  const [rows] = await my.query<RowDataPacket[]>(`SELECT * FROM ${table.name}`);
  return new Map(rows.map((r) => [keyText(table, r), canonical(r)]));
}

/** Options of a mysql2 connection that reads every value as the server's text. */
export const TEXT_VALUES = { dateStrings: true, bigNumberStrings: true, supportBigNumbers: true } as const;

/**
 * Rows of `actual` that differ from `expected` (missing, extra or changed), at most `limit`:
 * an empty list means the tables are equal row by row.
 */
export function differingRows(
  expected: ReadonlyMap<string, TextRow>,
  actual: ReadonlyMap<string, TextRow>,
  limit = 5,
): { key: string; source: TextRow | null; target: TextRow | null }[] {
  const out: { key: string; source: TextRow | null; target: TextRow | null }[] = [];
  for (const key of new Set([...expected.keys(), ...actual.keys()])) {
    const source = expected.get(key) ?? null;
    const target = actual.get(key) ?? null;
    if (JSON.stringify(source) !== JSON.stringify(target)) out.push({ key, source, target });
    if (out.length >= limit) break;
  }
  return out;
}
