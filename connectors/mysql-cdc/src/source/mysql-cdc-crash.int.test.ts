/**
 * Exactly-once through crashes: a MariaDB table → MySqlCdcSource → JdbcSink (PostgreSQL,
 * changelog, exactly-once: one prepared transaction per checkpoint and subtask) job in a child
 * process is SIGKILLed 20 times — during the snapshot, at the switch to the binlog (on the
 * enumerator's phase markers), in the binlog phase, and between "checkpoint stored" and
 * "committed" — while a workload keeps inserting, updating, deleting and changing keys in
 * multi-statement transactions. At the end PostgreSQL, read with pg, equals MariaDB, read with
 * mysql2, row by row, and no prepared transaction is left.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type MariaDbService, type PostgresService, runWithCrashes, useService } from '@tributary/e2e';
import { type Connection, createConnection } from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CdcCrashJobSpec } from '../testing-fixtures/cdc-crash-job.js';
import { CdcCrashSchedule } from '../testing-fixtures/cdc-crash-schedule.js';
import { cdcOptions } from '../testing-fixtures/cdc-fixtures.js';
import {
  ACCOUNTS,
  canonical,
  createAndFill,
  differingRows,
  END_MARKER_SQL,
  keyText,
  readSourceTable,
  runWorkload,
  TEXT_VALUES,
} from '../testing-fixtures/cdc-workload.js';

const KILLS = 20;
/** 5 000 rows at 1 000 snapshot rows/s: the snapshot outlasts its planned kills. */
const ROWS = 5000;
const SNAPSHOT_ROWS_PER_SECOND = 1000;
/** 20 restarts of a child job: ~2 min on an idle 2-core machine, far more on a loaded one. */
const LOOP_TIMEOUT_MS = 540_000;
const JOB = fileURLToPath(new URL('../testing-fixtures/cdc-crash-job.ts', import.meta.url));

describe('MySqlCdcSource → JdbcSink exactly-once (PostgreSQL) under 20 SIGKILLs and a concurrent workload', () => {
  let mariadb: MariaDbService;
  let postgres: PostgresService;
  let db: string;
  let pgDb: string;
  let my: Connection;
  let pgClient: pg.Client;
  let dir: string;

  beforeAll(async () => {
    [mariadb, postgres] = await Promise.all([useService('mariadb'), useService('postgres')]);
    db = await mariadb.createDatabase('crash');
    pgDb = await postgres.createDatabase('crash');
    my = await createConnection({ ...mariadb.connectionOptions(db), ...TEXT_VALUES });
    pgClient = new pg.Client({
      ...postgres.clientConfig(pgDb),
      types: { getTypeParser: () => (v: string) => v },
    });
    await pgClient.connect();
    dir = await mkdtemp(join(tmpdir(), 'cdc-crash-'));
  });
  afterAll(async () => {
    await my?.end();
    await pgClient?.end();
    await mariadb?.close();
    await postgres?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(
    'kills land in the snapshot, at the switch, in the binlog phase and before commits; PostgreSQL ends equal to MariaDB',
    async () => {
      const table = ACCOUNTS;
      await createAndFill(my, table, ROWS);
      await pgClient.query(`CREATE TABLE ${table.name} (${table.pg})`);
      const { host, port, user, password } = postgres.clientConfig(pgDb);
      const prefix = `cdc-crash-${process.pid}`;
      const stopFile = join(dir, 'stop');
      const spec: CdcCrashJobSpec = {
        source: cdcOptions(mariadb, [`${db}\\.${table.name}`], { chunkSize: 500 }),
        sink: {
          dialect: 'postgres',
          host: String(host),
          port: Number(port),
          user: String(user),
          password: String(password ?? ''),
          database: pgDb,
          table: table.name,
        },
        transactionIdPrefix: prefix,
        checkpointDir: join(dir, 'checkpoints'),
        stopFile,
        snapshotRowsPerSecond: SNAPSHOT_ROWS_PER_SECOND,
      };
      const schedule = new CdcCrashSchedule({
        kills: KILLS,
        snapshot: 5,
        onSnapshotDone: 2,
        onBinlogAssigned: 2,
      });
      let finalRun = false;
      let loopEnded = false;
      // When each run started, reached its phases and died: explains a schedule that missed.
      const started = Date.now();
      const timeline: string[] = [];
      const loop = runWithCrashes({
        script: JOB,
        args: [JSON.stringify(spec)],
        kills: KILLS,
        minKillDelayMs: 0,
        maxKillDelayMs: 0,
        killDelayForRun: schedule.killDelayForRun,
        killDelayFrom: 'running',
        killOnLine: (line, run) => {
          if (/^(rows |TRIB_PHASE (restored|running|cdc-))/.test(line))
            timeline.push(`${run}@${((Date.now() - started) / 1000).toFixed(1)}s ${line}`);
          return schedule.killOnLine(line, run);
        },
        // The runtime holds after a stored checkpoint, so a kill on that marker beats the commit.
        phaseHoldMs: 150,
        timeoutMs: LOOP_TIMEOUT_MS,
        onRunStart: (_run, final) => {
          finalRun ||= final;
        },
      });
      const settled = loop.then(
        () => {
          loopEnded = true;
        },
        () => {
          loopEnded = true;
        },
      );

      // The workload runs through every killed run; the final run catches up and stops.
      const rounds = await runWorkload(mariadb, db, table, {
        rows: ROWS,
        stopped: () => finalRun || loopEnded,
        pauseMs: 50,
      });
      if (!loopEnded) {
        await my.query(END_MARKER_SQL[table.name]);
        const deadline = Date.now() + 60_000;
        while (!loopEnded && Date.now() < deadline) {
          const { rows } = await pgClient.query(`SELECT 1 FROM ${table.name} WHERE id = -1`);
          if (rows.length > 0) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        await writeFile(stopFile, '');
      }
      await settled;
      const outcome = await loop.catch((error: Error) => {
        throw new Error(`${error.message}\ntargets ${schedule.describe()}\n${timeline.join('\n')}`);
      });
      const tally = schedule.tally(outcome);
      const context = `${outcome.summary}; targets ${schedule.describe()}; tally ${JSON.stringify(tally)}; ${rounds} workload rounds`;
      process.stdout.write(`mysql-cdc crash test (${Date.now() - started} ms): ${context}\n`);

      expect(outcome.kills, context).toBe(KILLS);
      expect(outcome.finishedEarly, context).toBe(false);
      expect(tally.snapshot, context).toBeGreaterThanOrEqual(3);
      expect(tally.switch, context).toBeGreaterThanOrEqual(3);
      expect(tally.binlog, context).toBeGreaterThanOrEqual(5);
      expect(tally.storedNotCommitted.snapshot, context).toBeGreaterThanOrEqual(1);
      expect(tally.storedNotCommitted.binlog, context).toBeGreaterThanOrEqual(2);
      // Every run after a kill restored from a checkpoint (the first run may die before its first).
      const restored = outcome.perRun.filter((r) => r.run > 2 && (r.restoredFrom ?? 0) > 0).length;
      expect(restored, context).toBe(outcome.runs - 2);
      expect(rounds, context).toBeGreaterThan(KILLS);

      // The oracle: each database's own client, no connector code.
      const { rows } = await pgClient.query(`SELECT * FROM ${table.name}`);
      const target = new Map(rows.map((r: Record<string, unknown>) => [keyText(table, r), canonical(r)]));
      const source = await readSourceTable(my, table);
      expect(target.size, context).toBe(source.size);
      expect(differingRows(source, target), context).toEqual([]);
      const { rows: prepared } = await pgClient.query('SELECT gid FROM pg_prepared_xacts WHERE gid LIKE $1', [
        `${prefix}%`,
      ]);
      expect(prepared, context).toEqual([]);
    },
    LOOP_TIMEOUT_MS + 60_000,
  );
});
