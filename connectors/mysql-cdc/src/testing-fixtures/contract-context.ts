/**
 * Test-only: the contract context of the MySQL CDC source on the harness MariaDB. Split `i` of a
 * test is table `<testId>_s<i>` (one snapshot chunk each, so a split's rows come in key order);
 * bounded runs are `snapshot-only`, unbounded runs `initial` — appended rows arrive through the
 * binlog as `c` records after the snapshot's `r` records, so the crash case kills the job across
 * snapshot, switch and binlog.
 */
import { createHash } from 'node:crypto';
import type { ChangeRecord } from '@tributary/core';
import { useService } from '@tributary/e2e';
import { defineSourceContext, type SourceTestSetup } from '@tributary/e2e/contract';
import { type ConnectionOptions, createConnection } from 'mysql2/promise';
import { MySqlCdcSource } from '../source/mysql-cdc-source.js';

const DATABASE = 'tributary_cdc_contract';

const service = await useService('mariadb');
const admin: ConnectionOptions = service.connectionOptions();
await service.close();

async function exec(sql: string, params: unknown[] = []): Promise<void> {
  const connection = await createConnection({ ...admin, database: DATABASE });
  try {
    await connection.query(sql, params);
  } finally {
    await connection.end();
  }
}

{
  const connection = await createConnection(admin);
  await connection.query(`CREATE DATABASE IF NOT EXISTS ${DATABASE} CHARACTER SET utf8mb4`);
  await connection.end();
}

function prefixOf(setup: SourceTestSetup): string {
  return `t${createHash('sha1').update(setup.testId).digest('hex').slice(0, 16)}`;
}

function tableOf(setup: SourceTestSetup, split: number): string {
  return `${prefixOf(setup)}_s${split}`;
}

type Record = ChangeRecord<{ id: number; text: string }>;

async function insertRows(setup: SourceTestSetup, round: number, splits: number[]): Promise<Record[][]> {
  const out: Record[][] = [];
  for (const split of splits) {
    const table = tableOf(setup, split);
    const rows = Array.from({ length: setup.recordsPerSplit }, (_, i) => ({
      id: round * 1_000_000 + i,
      text: `r${round}-s${split}-${i}`,
    }));
    for (let i = 0; i < rows.length; i += 500) {
      const part = rows.slice(i, i + 500);
      await exec(
        `INSERT INTO ${table} (id, text) VALUES ${part.map(() => '(?, ?)').join(', ')}`,
        part.flatMap((r) => [r.id, r.text]),
      );
    }
    out.push(rows.map((after) => ({ op: round === 0 ? 'r' : 'c', after, source: { db: DATABASE, table } })));
  }
  return out;
}

export const sourceContext = defineSourceContext<Record>({
  boundedness: ['bounded', 'unbounded'],
  async writeTestData(setup) {
    const splits = Array.from({ length: setup.splits }, (_, i) => i);
    for (const split of splits)
      await exec(`CREATE TABLE ${tableOf(setup, split)} (id INT PRIMARY KEY, text VARCHAR(64) NOT NULL)`);
    return insertRows(setup, 0, splits);
  },
  async appendTestData(setup, round) {
    // Tables are the splits: appended rows go to the existing tables (no new splits).
    return insertRows(
      setup,
      round.round,
      Array.from({ length: round.knownSplits }, (_, i) => i),
    );
  },
  createSource(setup) {
    const hash = createHash('sha1').update(setup.testId).digest().readUInt32BE(0);
    return new MySqlCdcSource({
      host: String(admin.host),
      port: Number(admin.port),
      user: String(admin.user),
      ...(admin.password === undefined ? {} : { password: String(admin.password) }),
      tables: [`${DATABASE}\\.${prefixOf(setup)}_s\\d+`],
      startupMode: setup.boundedness === 'unbounded' ? 'initial' : 'snapshot-only',
      chunkSize: 1_000_000,
      // Small polls: backpressure (the suite's throttled sink) then stops the snapshot mid-chunk.
      maxRecordsPerPoll: 50,
      serverIdStart: 100_000 + (hash % 100_000) * 16,
    }) as never;
  },
  keyOf: (record) => `${record.source?.table}:${(record.after ?? record.before)?.id}`,
  async cleanup(setup) {
    for (let split = 0; split < setup.splits + 4; split++)
      await exec(`DROP TABLE IF EXISTS ${tableOf(setup, split)}`);
  },
});
