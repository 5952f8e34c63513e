/**
 * Where the SQLite insert cell's gap goes (the numbers in docs/connectors/jdbc.md, "Benchmarks"):
 * in one process, rounds in rotating order after a warm-up, 200 000 rows in batches of 1000, the
 * median ms per job of
 *  - `raw`: the bench's hand-written multi-row INSERT loop (one connection kept open, the
 *    statement prepared once per table, one parameter array refilled, a transaction per batch);
 *  - `sink`: `JdbcSink` through a Tributary job, as the bench runs it;
 *  - `job`: the same job into a `DiscardingSink` (the runtime and its source, no database);
 *  - `rows`: the rows alone, made in a 1000-row array per batch as the raw loop makes them;
 * and, for `raw` and `sink`, the time outside the driver (the job less the time spent inside
 * better-sqlite3's `Statement.run`, which both sides call for BEGIN, the INSERT and COMMIT), with
 * the sink's own parts: opening the writer (connection, catalog), encoding (`RowShape.fillChunk`)
 * and closing. SQLite runs synchronously on the event loop, so every millisecond outside the
 * driver adds to the job. A diagnostic: it wraps `Statement.run` and the sink's methods with
 * timers, so its totals are not the bench's; use it for where time goes, the bench for ratios.
 *
 * Run it through the CPU gate: `pnpm --filter @tributary/connector-jdbc exec tsx
 * --conditions=@tributary/source bench/sqlite-gap-breakdown.ts` (`BENCH_ROUNDS`, default 9).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  DataGeneratorSource,
  DiscardingSink,
  Pipeline,
  type SinkWriter,
  silentLogger,
} from '@tributary/core';
import Database from 'better-sqlite3';
import { JdbcSink } from '../src/sink/jdbc-sink.js';
import { RowShape } from '../src/sink/row-shape.js';

const ROWS = 200_000;
const BATCH = 1000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const COLUMNS = ['id', 'name', 'amount', 'note'];
const row = (i: number) => ({ id: i, name: `name-${i}`, amount: i % 1000, note: 'x'.repeat(40) });
type BenchRow = ReturnType<typeof row>;

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Milliseconds of the current job by part (`driver`, `open`, `encode`, `close`). */
const parts: Record<string, number> = {};
function timedMethod(target: object, method: string, part: string): void {
  const holder = target as Record<string, (...args: unknown[]) => unknown>;
  const original = holder[method] as (...args: unknown[]) => unknown;
  holder[method] = function (this: unknown, ...args: unknown[]) {
    const start = performance.now();
    const result = original.apply(this, args);
    if (!(result instanceof Promise)) {
      parts[part] = (parts[part] ?? 0) + performance.now() - start;
      return result;
    }
    return result.finally(() => {
      parts[part] = (parts[part] ?? 0) + performance.now() - start;
    });
  };
}
const probe = new Database(':memory:');
timedMethod(Object.getPrototypeOf(probe.prepare('SELECT 1')), 'run', 'driver');
{
  // The driver's time by statement (BEGIN, INSERT, COMMIT) inside the timing above.
  const proto = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<
    string,
    (...args: unknown[]) => unknown
  >;
  const run = proto.run as (...args: unknown[]) => unknown;
  proto.run = function (this: { source: string }, ...args: unknown[]) {
    const start = performance.now();
    const result = run.apply(this, args);
    const part = `driver ${this.source.split(' ', 1)[0]}`;
    parts[part] = (parts[part] ?? 0) + performance.now() - start;
    return result;
  };
}
probe.close();
timedMethod(RowShape.prototype, 'fillChunk', 'encode');
timedMethod(JdbcSink.prototype, 'createWriter', 'open');
const createWriter = JdbcSink.prototype.createWriter;
JdbcSink.prototype.createWriter = async function (this: JdbcSink, ctx) {
  const writer = await createWriter.call(this, ctx);
  timedMethod(writer as SinkWriter<unknown>, 'close', 'close');
  return writer;
};

const dir = mkdtempSync(join(tmpdir(), 'trib-jdbc-gap-'));
const filename = join(dir, 'gap.db');
const db = new Database(filename);
db.pragma('journal_mode = WAL');
let tables = 0;
const statements = new Map<string, Database.Statement>();
const exec = (sql: string, params: unknown[] = []) => {
  let statement = statements.get(sql);
  if (statement === undefined) {
    statement = db.prepare(sql);
    statements.set(sql, statement);
  }
  statement.run(...params);
};

function rowsOf(start: number, n: number): BenchRow[] {
  const rows = new Array<BenchRow>(n);
  for (let i = 0; i < n; i++) rows[i] = row(start + i);
  return rows;
}

/** The bench's raw loop (`rawInsertLoop`, inserts, 1000-row batches). */
async function raw(table: string): Promise<void> {
  const tuple = `(${COLUMNS.map(() => '?').join(',')})`;
  const sql = `INSERT INTO ${table} (${COLUMNS.join(',')}) VALUES ${Array(BATCH).fill(tuple).join(',')}`;
  const params = new Array<unknown>(BATCH * COLUMNS.length);
  for (let start = 0; start < ROWS; start += BATCH) {
    const rows = rowsOf(start, BATCH);
    for (let i = 0; i < BATCH; i++) {
      const r = rows[i] as BenchRow;
      params[i * 4] = r.id;
      params[i * 4 + 1] = r.name;
      params[i * 4 + 2] = r.amount;
      params[i * 4 + 3] = r.note;
    }
    exec('BEGIN');
    exec(sql, params);
    exec('COMMIT');
    // The bench's loop awaits each statement: a tick per statement.
    await undefined;
  }
}

const source = () => new DataGeneratorSource({ generator: row, count: ROWS, maxRecordsPerPoll: BATCH });
const sides: Record<string, (table: string) => Promise<unknown>> = {
  raw,
  sink: (table) =>
    Pipeline.from(source())
      .sinkTo(new JdbcSink({ dialect: 'sqlite', filename, table, batchSizeRows: BATCH, batchIntervalMs: 0 }))
      .execute({ parallelism: 1 }, { logger: silentLogger }),
  job: () =>
    Pipeline.from(source())
      .sinkTo(new DiscardingSink())
      .execute({ parallelism: 1 }, { logger: silentLogger }),
  rows: async () => {
    for (let start = 0; start < ROWS; start += BATCH) {
      if (rowsOf(start, BATCH).length !== BATCH) throw new Error('unreachable');
      await undefined;
    }
  },
};

const names = Object.keys(sides);
const samples: Record<string, number[]> = {};
const sample = (key: string, ms: number) => {
  samples[key] ??= [];
  samples[key].push(ms);
};
for (let round = -1; round < ROUNDS; round++) {
  // Round -1 warms every side up; then each round starts with the next side, in alternating direction.
  const order = names.map((_, i) => names[(i + Math.max(round, 0)) % names.length] as string);
  if (round % 2 === 1) order.reverse();
  for (const name of order) {
    const table = `t${++tables}`;
    db.exec(
      `CREATE TABLE ${table} (id BIGINT PRIMARY KEY, name TEXT NOT NULL, amount INT NOT NULL, note TEXT NOT NULL)`,
    );
    db.pragma('wal_checkpoint(TRUNCATE)');
    collectGarbage();
    for (const part of Object.keys(parts)) delete parts[part];
    const start = performance.now();
    await (sides[name] as (table: string) => Promise<unknown>)(table);
    const ms = performance.now() - start;
    if (round < 0) continue;
    sample(name, ms);
    if (name === 'raw' || name === 'sink') {
      sample(`${name} driver`, parts.driver ?? 0);
      for (const statement of ['BEGIN', 'INSERT', 'COMMIT'])
        sample(`${name} driver ${statement}`, parts[`driver ${statement}`] ?? 0);
      sample(`${name} outside driver`, ms - (parts.driver ?? 0));
    }
    if (name === 'sink')
      for (const part of ['open', 'encode', 'close']) sample(`sink ${part}`, parts[part] ?? 0);
  }
}
db.close();
rmSync(dir, { recursive: true, force: true });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
for (const [key, xs] of Object.entries(samples))
  process.stdout.write(
    `${key.padEnd(20)} ${median(xs).toFixed(1).padStart(7)} ms  [${xs.map((x) => x.toFixed(1)).join(' ')}]\n`,
  );
