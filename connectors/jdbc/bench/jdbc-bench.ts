/**
 * JDBC connector benchmark, in one run per database (SQLite in a temp file; PostgreSQL and
 * MariaDB from the `@tributary/e2e` harness; `BENCH_DBS=sqlite,postgres,mariadb` picks them):
 *  (a) `JdbcSink` (insert, at-least-once) through a Tributary job vs a hand-written loop of
 *      multi-row INSERTs in transactions with the same batch size, on the plain driver, that fills
 *      the next batch while the previous statement runs (the sink overlaps the same way; a loop
 *      that waits first was beaten by the sink's COPY: ratios 0.98–1.09);
 *  (b) the same for upserts (`ON CONFLICT … DO UPDATE`, MariaDB `ON DUPLICATE KEY UPDATE`) of rows
 *      that already exist;
 *  (b') PostgreSQL: the sink with `appendMethod: 'copy'` vs a raw loop of one `COPY … FROM STDIN`
 *      per batch in a transaction (rows encoded by hand with the escaping arbitrary text needs; the
 *      same protocol helper sends them);
 *  (c) `JdbcSource` scans at parallelism 1 and 2 vs a plain streaming SELECT with the same fetch size
 *      that produces the values the source promises (BIGINT as an exact bigint, INT as a number),
 *      in the driver's cheapest way (MariaDB: exact text → `BigInt`; SQLite: `safeIntegers`, the
 *      INT column back to a number).
 * Rounds alternate the order (raw first, then Tributary first), after a warm-up of both sides per
 * method; the median ratio of the rounds is reported (target ≥ 0.9 for the sink), with the load
 * average at the end, and beside it the median ratio of this process's CPU time (`…CpuRatio`, raw
 * over sink): a diagnostic, not the target. On SQLite it follows the wall-clock ratio round by
 * round (the job is CPU-bound in this process, the driver's work included), so a round's spread
 * there is the machine's, not the disk's; on PostgreSQL it is the client's share of the work, the
 * server's left out. Nothing fails on the numbers.
 *
 * Run: `pnpm --filter @tributary/connector-jdbc bench` (`BENCH_SCALE=0.2` for a quick run;
 * `BENCH_CASES=insert,upsert,copy,scan` picks cases, to split a run; `BENCH_ONLY=raw|sink` runs
 * one side of the sink cases alone, no ratio, to profile it with `--cpu-prof` or `--trace-gc`;
 * `BENCH_PG_IDLE=1` writes to stderr, per timed INSERT run on PostgreSQL, the time no query was
 * outstanding: the server idle as the client sees it, while the client makes rows, encodes them,
 * serializes a statement or goes from one statement to the next).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DataGeneratorSource, DiscardingSink, Pipeline, silentLogger } from '@tributary/core';
import { type MariaDbService, type PostgresService, useService } from '@tributary/e2e';
import Database from 'better-sqlite3';
import { createConnection } from 'mysql2/promise';
import pg from 'pg';
import type { JdbcConnectionOptionsInput } from '../src/dialect/connection-options.js';
import { copyFrom } from '../src/dialect/postgres-copy.js';
import { JdbcSink } from '../src/sink/jdbc-sink.js';
import { JdbcSource } from '../src/source/jdbc-source.js';
import { mariaDbConnection, postgresConnection } from '../src/testing-fixtures/service-connections.js';

const scale = Number(process.env.BENCH_SCALE ?? 1);
const ROWS = Math.round(200_000 * scale);
const BATCH = 1000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** Which cases run (`BENCH_CASES=insert,upsert,copy,scan`; default all), to split a run. */
const CASES = new Set((process.env.BENCH_CASES ?? 'insert,upsert,copy,scan').split(','));
const env = { logger: silentLogger };
/** One side of the sink cases alone (`BENCH_ONLY=raw|sink`), for profiling; no ratio then. */
const ONLY = process.env.BENCH_ONLY as 'raw' | 'sink' | undefined;
if (ONLY !== undefined && ONLY !== 'raw' && ONLY !== 'sink')
  throw new Error('BENCH_ONLY must be raw or sink');

interface Raw {
  readonly connection: JdbcConnectionOptionsInput;
  /** The driver's placeholder of the `index`-th (0-based) parameter. */
  placeholder(index: number): string;
  /** The clause making an INSERT of `columns` keyed by `id` an upsert. */
  upsertClause(columns: readonly string[]): string;
  /** Runs a statement (SQLite, PostgreSQL: prepared once per SQL text and reused). */
  exec(sql: string, params?: unknown[]): Promise<void>;
  /** PostgreSQL: `COPY table FROM STDIN` of COPY text lines. */
  copy?(sql: string, text: string): Promise<void>;
  /**
   * Brings the database to the same state before every timed run, outside the timing (SQLite:
   * the WAL checkpointed and truncated, so no run pays for the checkpoint of the previous run's
   * pages; PostgreSQL: a CHECKPOINT).
   */
  settle(): Promise<void>;
  /** Streams `SELECT * FROM t` with the fetch size; returns the row count. */
  scan(table: string, fetchSize: number): Promise<number>;
  close(): Promise<void>;
}

const onConflict = (columns: readonly string[]) =>
  ` ON CONFLICT (id) DO UPDATE SET ${columns
    .slice(1)
    .map((c) => `${c} = excluded.${c}`)
    .join(',')}`;

type BenchRow = ReturnType<typeof row>;
const row = (i: number) => ({ id: i, name: `name-${i}`, amount: i % 1000, note: 'x'.repeat(40) });
/**
 * The rows `start…start + n - 1` as objects in an array, as a raw loop holds the records it writes
 * (read from a file, a queue, a source) and as the job hands them to the sink. Made before they
 * are read: when a loop read each row as soon as `row(i)` returned, V8 scalar-replaced the object
 * (never allocated it), so the raw loops paid less for the same rows than the sink's source did.
 */
function rowsOf(start: number, n: number): BenchRow[] {
  const rows = new Array<BenchRow>(n);
  for (let i = 0; i < n; i++) rows[i] = row(start + i);
  return rows;
}
const COLUMNS = ['id', 'name', 'amount', 'note'];

async function openSqlite(): Promise<Raw> {
  const dir = mkdtempSync(join(tmpdir(), 'trib-jdbc-bench-'));
  const filename = join(dir, 'bench.db');
  const db = new Database(filename);
  db.pragma('journal_mode = WAL');
  const statements = new Map<string, Database.Statement>();
  return {
    connection: { dialect: 'sqlite', filename },
    placeholder: () => '?',
    upsertClause: onConflict,
    async exec(sql, params = []) {
      let s = statements.get(sql);
      if (s === undefined) {
        s = db.prepare(sql);
        statements.set(sql, s);
      }
      s.run(...params);
    },
    async settle() {
      db.pragma('wal_checkpoint(TRUNCATE)');
    },
    async scan(table) {
      let n = 0;
      // The values the source promises, in the driver's cheapest way: integers read exactly
      // (`safeIntegers`; BIGINT beyond 2^53 stays bigint), the INT column back to a number when
      // exact (the table's schema is known here; the source picks such columns once per query).
      const rows = db.prepare(`SELECT * FROM ${table}`).safeIntegers(true).iterate() as Iterable<ScanRow>;
      for (const r of rows) {
        const amount = r.amount;
        if (typeof amount === 'bigint' && Number.isSafeInteger(Number(amount))) r.amount = Number(amount);
        n++;
      }
      return n;
    },
    async close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function openPostgres(): Promise<Raw> {
  const service: PostgresService = await useService('postgres');
  const database = await service.createDatabase('bench');
  const config = service.clientConfig(database);
  const client = new pg.Client(config);
  await client.connect();
  const statementNames = new Map<string, string>();
  let canCheckpoint = true;
  return {
    connection: postgresConnection(config, database),
    placeholder: (index) => `$${index + 1}`,
    upsertClause: onConflict,
    async exec(sql, params = []) {
      if (params.length === 0) {
        await client.query(sql);
        return;
      }
      // A named statement per statement text: parsed once per connection (as the sink does).
      let name = statementNames.get(sql);
      if (name === undefined) {
        name = `raw_${statementNames.size + 1}`;
        statementNames.set(sql, name);
      }
      await client.query({ name, text: sql, values: params });
    },
    async copy(sql, text) {
      await copyFrom(client, sql, text);
    },
    async settle() {
      // Dirty buffers written out, so no run meets a checkpoint the previous run caused (needs
      // superuser or pg_checkpoint; without, nothing).
      if (!canCheckpoint) return;
      await client.query('CHECKPOINT').catch(() => {
        canCheckpoint = false;
      });
    },
    async scan(table, fetchSize) {
      let n = 0;
      await client.query('BEGIN');
      await client.query(`DECLARE c NO SCROLL CURSOR FOR SELECT * FROM ${table}`);
      for (;;) {
        const { rows } = await client.query(`FETCH ${fetchSize} FROM c`);
        n += rows.length;
        if (rows.length < fetchSize) break;
      }
      await client.query('COMMIT');
      return n;
    },
    async close() {
      await client.end();
      await service.close();
    },
  };
}

/** A scanned row of the bench table (`id BIGINT, name, amount INT, note`), as the driver reads it. */
interface ScanRow {
  id: unknown;
  amount: unknown;
}

interface CallbackConnection {
  query(sql: string): { stream(options: { highWaterMark: number }): AsyncIterable<unknown> };
}

async function openMariaDb(): Promise<Raw> {
  const service: MariaDbService = await useService('mariadb');
  const database = await service.createDatabase('bench');
  const options = service.connectionOptions(database);
  // The sink's driver and protocol: text queries, parameters escaped into the SQL by mysql2.
  // BIGINTs read exactly (as text), as the source must return them: the driver's cheapest way.
  const connection = await createConnection({ ...options, supportBigNumbers: true, bigNumberStrings: true });
  return {
    connection: mariaDbConnection(options, database),
    placeholder: () => '?',
    upsertClause: (columns) =>
      ` ON DUPLICATE KEY UPDATE ${columns
        .slice(1)
        .map((c) => `${c} = VALUES(${c})`)
        .join(',')}`,
    async exec(sql, params = []) {
      await connection.query(sql, params);
    },
    async settle() {},
    async scan(table, fetchSize) {
      let n = 0;
      // The callback connection's row stream: rows off the socket, never the whole result held.
      const callbacks = (connection as unknown as { connection: CallbackConnection }).connection;
      // BIGINT is read exactly as text (mysql2 has no bigint reading); the source returns it as a
      // bigint (the issue's requirement), so the baseline produces the same value per row.
      const rows = callbacks.query(`SELECT * FROM ${table}`).stream({ highWaterMark: fetchSize });
      for await (const r of rows as AsyncIterable<ScanRow>) {
        if (r.id !== null) r.id = BigInt(r.id as string);
        n++;
      }
      return n;
    },
    async close() {
      await connection.end();
      await service.close();
    },
  };
}

/**
 * Time with some pg query outstanding since the last reset (`BENCH_PG_IDLE=1`): queries that
 * return a promise, so not the COPY cases (a COPY is a submittable), whose runs report nothing.
 */
const pgQueries = { outstanding: 0, since: 0, busyMs: 0, count: 0 };
if (process.env.BENCH_PG_IDLE === '1') {
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  const settled = () => {
    if (--pgQueries.outstanding === 0) pgQueries.busyMs += performance.now() - pgQueries.since;
  };
  (pg.Client.prototype as { query: unknown }).query = function (this: pg.Client, ...args: unknown[]) {
    const result = query.apply(this, args);
    if (result instanceof Promise) {
      pgQueries.count++;
      if (pgQueries.outstanding++ === 0) pgQueries.since = performance.now();
      result.then(settled, settled);
    }
    return result;
  };
}

// A full collection before every timed run: neither side pays for the garbage the other left.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** CPU time (user + system, ms) of this process in the last {@link timed} run. */
let lastCpuMs = 0;

async function timed(run: () => Promise<unknown>, label?: string): Promise<number> {
  collectGarbage();
  pgQueries.busyMs = 0;
  pgQueries.count = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  await run();
  const elapsed = performance.now() - start;
  const used = process.cpuUsage(cpu);
  lastCpuMs = (used.user + used.system) / 1000;
  if (pgQueries.count > 0 && label !== undefined) {
    const idle = elapsed - pgQueries.busyMs;
    process.stderr.write(
      `${label}: no query outstanding ${idle.toFixed(1)} of ${elapsed.toFixed(1)} ms (${pgQueries.count} queries)\n`,
    );
  }
  return elapsed;
}

/**
 * The raw INSERT loop as a skilled user writes it: the statement text built once per batch size
 * (SQLite: prepared once; PostgreSQL: a named statement, parsed once), parameters in one
 * preallocated array reused for every batch, one transaction per batch. No reduction by key:
 * the rows' keys are known to be unique, so a user needs none (the sink reduces every keyed
 * batch, as the issue asks; PostgreSQL would reject a key twice in one upsert statement).
 */
async function rawInsertLoop(raw: Raw, table: string, upsert: boolean): Promise<void> {
  const width = COLUMNS.length;
  const conflict = upsert ? raw.upsertClause(COLUMNS) : '';
  const sqlByRows = new Map<number, string>();
  const sqlFor = (n: number) => {
    let sql = sqlByRows.get(n);
    if (sql === undefined) {
      const tuples = Array.from(
        { length: n },
        (_, r) => `(${COLUMNS.map((_, c) => raw.placeholder(r * width + c)).join(',')})`,
      );
      sql = `INSERT INTO ${table} (${COLUMNS.join(',')}) VALUES ${tuples.join(',')}${conflict}`;
      sqlByRows.set(n, sql);
    }
    return sql;
  };
  // Two parameter arrays per batch size, used in turn: while one batch's statement is in flight
  // the next batch fills the other (the sink overlaps the same way: it buffers the next batch
  // while the previous one is written).
  const paramsByRows = new Map<number, [unknown[], unknown[]]>();
  let turn = 0;
  let inFlight: Promise<void> = Promise.resolve();
  for (let start = 0; start < ROWS; start += BATCH) {
    const n = Math.min(BATCH, ROWS - start);
    let pair = paramsByRows.get(n);
    if (pair === undefined) {
      pair = [new Array<unknown>(n * width), new Array<unknown>(n * width)];
      paramsByRows.set(n, pair);
    }
    const params = pair[turn++ & 1] as unknown[];
    const rows = rowsOf(start, n);
    for (let i = 0; i < n; i++) {
      const r = rows[i] as BenchRow;
      params[i * width] = r.id;
      params[i * width + 1] = r.name;
      params[i * width + 2] = r.amount;
      params[i * width + 3] = r.note;
    }
    await inFlight;
    inFlight = inTransaction(raw, () => raw.exec(sqlFor(n), params));
  }
  await inFlight;
}

/** One statement in its own transaction. */
async function inTransaction(raw: Raw, statement: () => Promise<void>): Promise<void> {
  await raw.exec('BEGIN');
  await statement();
  await raw.exec('COMMIT');
}

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_SPECIALS = /[\\\t\n\r]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
/**
 * COPY text escaping as a skilled user writes it for arbitrary text (the bench's values need none,
 * a user's values may hold any character): one regex test, a replace only when it finds one.
 */
const copyText = (text: string) =>
  COPY_SPECIAL.test(text) ? text.replace(COPY_SPECIALS, (c) => COPY_ESCAPES[c] as string) : text;

/**
 * The raw COPY loop: one COPY per batch in a transaction, the next batch encoded while the server
 * loads the previous one, rows encoded by hand with the escaping
 * arbitrary text needs (the text columns; numbers never need it, the columns are NOT NULL so no `\N`).
 */
async function rawCopyLoop(raw: Raw, table: string): Promise<void> {
  const copy = raw.copy as NonNullable<Raw['copy']>;
  const sql = `COPY ${table} (${COLUMNS.join(',')}) FROM STDIN`;
  // The next batch is encoded while the server loads the previous one (as the sink does).
  let inFlight: Promise<void> = Promise.resolve();
  for (let start = 0; start < ROWS; start += BATCH) {
    const n = Math.min(BATCH, ROWS - start);
    const rows = rowsOf(start, n);
    let text = '';
    for (let i = 0; i < n; i++) {
      const r = rows[i] as BenchRow;
      text += `${r.id}\t${copyText(r.name)}\t${r.amount}\t${copyText(r.note)}\n`;
    }
    await inFlight;
    inFlight = inTransaction(raw, () => copy(sql, text));
  }
  await inFlight;
}

type Method = 'insert' | 'upsert' | 'copy';

async function tributaryInsert(raw: Raw, table: string, method: Method): Promise<void> {
  await Pipeline.from(new DataGeneratorSource({ generator: row, count: ROWS, maxRecordsPerPoll: BATCH }))
    .sinkTo(
      new JdbcSink({
        ...raw.connection,
        table,
        batchSizeRows: BATCH,
        batchIntervalMs: 0,
        ...(method === 'upsert' ? { writeMode: 'upsert' as const } : {}),
        ...(raw.connection.dialect === 'postgres'
          ? { appendMethod: method === 'copy' ? 'copy' : 'insert' }
          : {}),
      }),
    )
    .execute({ parallelism: 1 }, env);
}

async function tributaryScan(raw: Raw, table: string, parallelism: number): Promise<void> {
  await Pipeline.from(
    new JdbcSource({
      ...raw.connection,
      table,
      partitionColumn: 'id',
      numPartitions: parallelism * 2,
      fetchSize: BATCH,
    }),
  )
    .sinkTo(new DiscardingSink())
    .execute({ parallelism }, env);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function benchDatabase(name: string, raw: Raw): Promise<Record<string, number>> {
  const create = (t: string) =>
    raw.exec(
      `CREATE TABLE ${t} (id BIGINT PRIMARY KEY, name TEXT NOT NULL, amount INT NOT NULL, note TEXT NOT NULL)`,
    );
  let tables = 0;
  const fresh = async () => {
    const t = `t${++tables}`;
    await create(t);
    return t;
  };
  const result: Record<string, number> = {};
  const methods = (['insert', 'upsert', 'copy'] as const).filter(
    (m) => CASES.has(m) && (m !== 'copy' || raw.copy !== undefined),
  );
  for (const method of methods) {
    const upsert = method === 'upsert';
    // Warm-up of both sides of this method (JIT, connections, file cache), not timed.
    if (ONLY !== 'sink')
      await (method === 'copy' ? rawCopyLoop(raw, await fresh()) : rawInsertLoop(raw, await fresh(), upsert));
    if (ONLY !== 'raw') await tributaryInsert(raw, await fresh(), method);
    const ratios: number[] = [];
    const rawRates: number[] = [];
    const tribRates: number[] = [];
    const cpuRatios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const rawTable = await fresh();
      const tribTable = await fresh();
      if (upsert) {
        await rawInsertLoop(raw, rawTable, false);
        await rawInsertLoop(raw, tribTable, false);
      }
      let rawCpuMs = Number.NaN;
      let tribCpuMs = Number.NaN;
      const runRaw = async () => {
        await raw.settle();
        const ms = await timed(
          () => (method === 'copy' ? rawCopyLoop(raw, rawTable) : rawInsertLoop(raw, rawTable, upsert)),
          method === 'copy' ? undefined : `${name} ${method} raw`,
        );
        rawCpuMs = lastCpuMs;
        return ms;
      };
      const runTrib = async () => {
        await raw.settle();
        const ms = await timed(
          () => tributaryInsert(raw, tribTable, method),
          method === 'copy' ? undefined : `${name} ${method} sink`,
        );
        tribCpuMs = lastCpuMs;
        return ms;
      };
      let rawMs: number;
      let tribMs: number;
      if (ONLY !== undefined) {
        // One side alone: the other's rate reads as 0 and the ratio as Infinity or 0.
        rawMs = ONLY === 'raw' ? await runRaw() : Number.POSITIVE_INFINITY;
        tribMs = ONLY === 'sink' ? await runTrib() : Number.POSITIVE_INFINITY;
      } else if (round % 2 === 0) {
        rawMs = await runRaw();
        tribMs = await runTrib();
      } else {
        tribMs = await runTrib();
        rawMs = await runRaw();
      }
      rawRates.push(ROWS / (rawMs / 1000));
      tribRates.push(ROWS / (tribMs / 1000));
      ratios.push(rawMs / tribMs);
      cpuRatios.push(rawCpuMs / tribCpuMs);
    }
    const label = method;
    result[`${label}RawRowsPerS`] = Math.round(median(rawRates));
    result[`${label}SinkRowsPerS`] = Math.round(median(tribRates));
    result[`${label}Ratio`] = Math.round(median(ratios) * 100) / 100;
    // This process's CPU time, raw over sink (a diagnostic beside the ratio, not the target): the
    // client's own work, without the waits on the disk or the server that move the wall clock.
    if (ONLY === undefined) result[`${label}CpuRatio`] = Math.round(median(cpuRatios) * 100) / 100;
    // Every round's ratio, to see the spread behind the median.
    process.stderr.write(`${name} ${label} rounds: ${ratios.map((r) => r.toFixed(2)).join(' ')}\n`);
    process.stderr.write(`${name} ${label} cpu rounds: ${cpuRatios.map((r) => r.toFixed(2)).join(' ')}\n`);
  }
  if (!CASES.has('scan')) {
    process.stdout.write(`${name}: ${JSON.stringify(result)}\n`);
    return result;
  }
  // The scan reads the last table written (a fresh one when no sink case ran).
  let scanTable = `t${tables}`;
  if (tables === 0) {
    scanTable = await fresh();
    await rawInsertLoop(raw, scanTable, false);
  }
  for (const parallelism of [1, 2]) {
    // Warm-up of both sides (JIT, connections, page cache), not timed.
    await raw.scan(scanTable, BATCH);
    await tributaryScan(raw, scanTable, parallelism);
    const ratios: number[] = [];
    const rawRates: number[] = [];
    const tribRates: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const first = round % 2 === 0;
      const rawMs = first ? await timed(() => raw.scan(scanTable, BATCH)) : 0;
      const tribMs = await timed(() => tributaryScan(raw, scanTable, parallelism));
      const rawMs2 = first ? rawMs : await timed(() => raw.scan(scanTable, BATCH));
      ratios.push(rawMs2 / tribMs);
      rawRates.push(ROWS / (rawMs2 / 1000));
      tribRates.push(ROWS / (tribMs / 1000));
    }
    // Medians of the rounds, like the ratio (the raw scan runs in both parallelism's rounds).
    result[`scanRawP${parallelism}RowsPerS`] = Math.round(median(rawRates));
    result[`scanP${parallelism}RowsPerS`] = Math.round(median(tribRates));
    result[`scanP${parallelism}Ratio`] = Math.round(median(ratios) * 100) / 100;
  }
  process.stdout.write(`${name}: ${JSON.stringify(result)}\n`);
  return result;
}

const open = { sqlite: openSqlite, postgres: openPostgres, mariadb: openMariaDb } as const;
const wanted = (process.env.BENCH_DBS ?? 'sqlite,postgres,mariadb').split(',') as (keyof typeof open)[];
const all: Record<string, Record<string, number>> = {};
for (const name of wanted) {
  const raw = await open[name]();
  try {
    all[name] = await benchDatabase(name, raw);
  } finally {
    await raw.close();
  }
}
process.stdout.write(
  `BENCH_JSON ${JSON.stringify({ rows: ROWS, batch: BATCH, rounds: ROUNDS, loadAverage: loadavg().map((l) => Math.round(l * 100) / 100), results: all })}\n`,
);
