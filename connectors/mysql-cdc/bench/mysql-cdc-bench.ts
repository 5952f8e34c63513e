/**
 * MySQL CDC benchmark on the harness MariaDB, in one run:
 *  (a) snapshot rows/s of `MySqlCdcSource` (`snapshot-only`) at parallelism 1 and 2 vs a plain
 *      streaming `SELECT *` of the same table on mysql2, and vs Debezium's embedded engine (3.5.0, MariaDB connector)
 *      (JVM, `snapshot.mode=initial_only`) snapshotting the same table — per subtask and in total;
 *  (b) binlog catch-up events/s: the source from a binlog position over N row updates vs the raw
 *      zongji loop (same connection options) counting the same rows.
 * Rounds alternate the order after a warm-up; medians are reported with the load average (the
 * machine may be shared: say so with the numbers). Nothing fails on the numbers.
 *
 * Run: `pnpm --filter @tributary/connector-mysql-cdc bench` — a smoke run (50 000 rows). The
 * issue's figure: `BENCH_ROWS=1000000`. `BENCH_ROUNDS` (default 3), `BENCH_BINLOG_ROWS` (default
 * min(rows, 200 000)), `BENCH_DEBEZIUM=1` adds the JVM peer (`BENCH_DEBEZIUM_LOG=info`: its log).
 */
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { DiscardingSink, Pipeline, silentLogger } from '@tributary/core';
import { useService } from '@tributary/e2e';
import ZongJi from '@vlasky/zongji';
import { createConnection as createStreamingConnection } from 'mysql2';
import { createConnection, type RowDataPacket } from 'mysql2/promise';
import { MySqlCdcSource, MySqlCdcSourceOptions } from '../src/index.js';
import { connectionOptionsOf } from '../src/source/mysql-connection.js';
import { DEBEZIUM_VERSION, debeziumClassPath, debeziumSnapshot } from './debezium-peer.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 50_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BINLOG_ROWS = Number(process.env.BENCH_BINLOG_ROWS ?? Math.min(ROWS, 200_000));
// Opt-in: it needs a JDK and Maven (jars resolved on the first run).
const WITH_DEBEZIUM = process.env.BENCH_DEBEZIUM === '1';
const env = { logger: silentLogger };
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const loadAtStart = load();

const mariadb = await useService('mariadb');
const db = await mariadb.createDatabase('bench');
const admin = await createConnection({ ...mariadb.connectionOptions(db), multipleStatements: true });
const { host, port, user, password } = mariadb.connectionOptions();
const base = {
  host: String(host),
  port: Number(port),
  user: String(user),
  ...(password === undefined ? {} : { password: String(password) }),
  tables: [`${db}\\.t`],
};
const resolved = MySqlCdcSourceOptions.parse(base);
let serverId = 40_000 + (process.pid % 1000) * 8;
/** A fresh block of server ids for each run (readers use serverIdStart + subtask). */
function nextServerId(): number {
  serverId += 4;
  return serverId;
}

await admin.query(
  'CREATE TABLE t (id BIGINT PRIMARY KEY, amount DECIMAL(12,2), at DATETIME(6), note VARCHAR(64))',
);
for (let from = 0; from < ROWS; from += 10_000) {
  const n = Math.min(10_000, ROWS - from);
  const values = Array.from(
    { length: n },
    (_, i) => `(${from + i}, ${(from + i) % 1000}.25, '2024-01-01 00:00:00.123456', 'row ${from + i}')`,
  );
  await admin.query(`INSERT INTO t VALUES ${values.join(',')}`);
}

/** mysql2's own streaming query (callback API: rows as they arrive, nothing buffered). */
async function plainSelect(): Promise<number> {
  const c = createStreamingConnection({ ...connectionOptionsOf(resolved), database: db });
  const start = performance.now();
  let rows = 0;
  await new Promise<void>((resolve, reject) => {
    c.query('SELECT * FROM t')
      .stream()
      .on('data', () => {
        rows++;
      })
      .on('end', resolve)
      .on('error', reject);
  });
  const ms = performance.now() - start;
  await new Promise((resolve) => c.end(resolve));
  if (rows !== ROWS) throw new Error(`plain SELECT read ${rows} rows`);
  return (rows / ms) * 1000;
}

async function cdcSnapshot(parallelism: number): Promise<number> {
  const source = new MySqlCdcSource({
    ...base,
    startupMode: 'snapshot-only',
    serverIdStart: nextServerId(),
  });
  const start = performance.now();
  await Pipeline.from(source).sinkTo(new DiscardingSink()).execute({ parallelism }, env);
  return (ROWS / (performance.now() - start)) * 1000;
}

const debeziumPath = WITH_DEBEZIUM ? await debeziumClassPath() : undefined;
/** Why the Debezium peer failed, if it did: printed, and the other figures still measured. */
let debeziumFailure: string | undefined;
async function debezium(): Promise<number> {
  const { tables: _captured, ...server } = base;
  try {
    return await debeziumSnapshot(debeziumPath as string, {
      ...server,
      db,
      table: 't',
      rows: ROWS,
      serverId: nextServerId(),
      timeoutSeconds: 600,
    });
  } catch (error) {
    debeziumFailure ??= (error as Error).message;
    console.log(`Debezium peer failed: ${(error as Error).message}`);
    return Number.NaN;
  }
}

/** Updates BINLOG_ROWS rows in one statement; returns the binlog position before it. */
async function binlogRange(): Promise<{ file: string; pos: number }> {
  const [rows] = await admin.query<RowDataPacket[]>('SHOW MASTER STATUS');
  const start = { file: String(rows[0]?.File), pos: Number(rows[0]?.Position) };
  await admin.query('UPDATE t SET amount = amount + 1 WHERE id < ?', [BINLOG_ROWS]);
  return start;
}

async function rawZongji(start: { file: string; pos: number }): Promise<number> {
  const zongji = new ZongJi({ ...connectionOptionsOf(resolved) });
  let rows = 0;
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    zongji.on('binlog', (event: { getEventName(): string; rows?: unknown[] }) => {
      if (event.getEventName() === 'updaterows') rows += event.rows?.length ?? 0;
      if (rows >= BINLOG_ROWS) resolve();
    });
    zongji.start({
      filename: start.file,
      position: start.pos,
      serverId: nextServerId(),
      includeEvents: ['tablemap', 'updaterows', 'rotate'],
    });
  });
  const ms = performance.now() - t0;
  zongji.stop();
  return (rows / ms) * 1000;
}

async function cdcBinlog(start: { file: string; pos: number }): Promise<number> {
  const source = new MySqlCdcSource({
    ...base,
    startupMode: 'specific-offset',
    startupOffset: start,
    serverIdStart: nextServerId(),
  });
  const t0 = performance.now();
  let seen = 0;
  for await (const _ of Pipeline.from(source).executeAndCollect(
    { parallelism: 1, checkpointing: { intervalMs: 500 } },
    env,
  )) {
    if (++seen >= BINLOG_ROWS) break;
  }
  return (BINLOG_ROWS / (performance.now() - t0)) * 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const fmt = (n: number) => Math.round(n).toLocaleString('en');

const snapshotRuns: Record<string, () => Promise<number>> = {
  select: plainSelect,
  p1: () => cdcSnapshot(1),
  p2: () => cdcSnapshot(2),
  ...(WITH_DEBEZIUM ? { debezium } : {}),
};
await plainSelect(); // warm-up (buffer pool)
await cdcSnapshot(1); // warm-up (JIT)
const results: Record<string, number[]> = Object.fromEntries(
  [...Object.keys(snapshotRuns), 'zongji', 'cdc'].map((what) => [what, []]),
);
/** Keeps a measurement and prints it at once (a long run shows progress). */
function record(round: number, what: string, rowsPerSecond: number): void {
  results[what]?.push(rowsPerSecond);
  console.log(`round ${round + 1}: ${what} ${fmt(rowsPerSecond)} rows/s (load ${load()})`);
}
for (let round = 0; round < ROUNDS; round++) {
  const order = Object.keys(snapshotRuns);
  if (round % 2 === 1) order.reverse();
  for (const what of order) record(round, what, await (snapshotRuns[what] as () => Promise<number>)());
  const start = await binlogRange();
  const binlogOrder = round % 2 === 0 ? ['zongji', 'cdc'] : ['cdc', 'zongji'];
  for (const what of binlogOrder) record(round, what, await (what === 'cdc' ? cdcBinlog : rawZongji)(start));
}
const m = (what: string) => median(results[what] ?? [Number.NaN]);
const select = m('select');
const p1 = m('p1');
const p2 = m('p2');
console.log(
  `table: ${fmt(ROWS)} rows; binlog: ${fmt(BINLOG_ROWS)} updated rows; medians of ${ROUNDS} rounds`,
);
console.log(
  `load average (1/5/15 min): ${loadAtStart} at start, ${load()} at end; ${availableParallelism()} CPUs`,
);
console.log(`snapshot  plain streaming SELECT *     ${fmt(select)} rows/s`);
console.log(
  `snapshot  MySqlCdcSource p=1           ${fmt(p1)} rows/s (${fmt(p1)} per subtask, ratio ${(p1 / select).toFixed(2)})`,
);
console.log(
  `snapshot  MySqlCdcSource p=2           ${fmt(p2)} rows/s (${fmt(p2 / 2)} per subtask, ratio ${(p2 / select).toFixed(2)})`,
);
if (WITH_DEBEZIUM && debeziumFailure !== undefined)
  console.log(`snapshot  Debezium ${DEBEZIUM_VERSION} embedded failed`);
else if (WITH_DEBEZIUM) {
  const dbz = m('debezium');
  console.log(
    `snapshot  Debezium ${DEBEZIUM_VERSION} embedded ${fmt(dbz)} rows/s (ratio ${(dbz / select).toFixed(2)}; MySqlCdcSource p=1 / Debezium ${(p1 / dbz).toFixed(2)})`,
  );
}
const zj = m('zongji');
const cdc = m('cdc');
console.log(`binlog    raw zongji loop              ${fmt(zj)} rows/s`);
console.log(`binlog    MySqlCdcSource               ${fmt(cdc)} rows/s (ratio ${(cdc / zj).toFixed(2)})`);
await admin.end();
await mariadb.close();
process.exit(0);
