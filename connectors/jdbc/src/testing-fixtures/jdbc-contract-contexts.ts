/**
 * Test-only: the contract contexts of the JDBC connector for one database kind. Table names
 * follow from `testId` (and SQLite files from `workDir`), so the crash test's child process
 * rebuilds the very same source and sink from the serialized setup.
 */
import { join } from 'node:path';
import { type MariaDbService, type PostgresService, useService } from '@tributary/e2e';
import {
  defineSinkContext,
  defineSourceContext,
  type SinkContractRecord,
  type SinkTestSetup,
  type SourceTestSetup,
} from '@tributary/e2e/contract';
import Database from 'better-sqlite3';
import { type ConnectionOptions, createConnection } from 'mysql2/promise';
import pg from 'pg';
import type { JdbcConnectionOptionsInput } from '../dialect/connection-options.js';
import { JdbcSink } from '../sink/jdbc-sink.js';
import { JdbcSource } from '../source/jdbc-source.js';
import { mariaDbConnection, postgresConnection } from './service-connections.js';
import type { TestDatabaseKind } from './test-databases.js';

/** A source test row: its split, its position in the split, a global insertion counter. */
export interface ContractRow {
  readonly p: number;
  readonly i: number;
  readonly text: string;
}

const SHARED_DATABASE = 'tributary_jdbc_contract';

type Exec = (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

/** Connection options and a plain-driver client for the shared contract database. */
async function serverFor(
  kind: 'postgres' | 'mariadb',
): Promise<{ connection: JdbcConnectionOptionsInput; exec: Exec }> {
  // Clients open per call: a crash child must be able to exit when its job ends (an open
  // connection would keep its event loop alive).
  if (kind === 'postgres') {
    const service: PostgresService = await useService('postgres');
    const config = service.clientConfig(SHARED_DATABASE);
    const admin = new pg.Client(service.clientConfig());
    await admin.connect();
    try {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [SHARED_DATABASE]);
      if (exists.rows.length === 0) await admin.query(`CREATE DATABASE ${SHARED_DATABASE}`).catch(() => {});
    } finally {
      await admin.end();
      await service.close();
    }
    return {
      connection: postgresConnection(config, SHARED_DATABASE),
      exec: async (sql, params = []) => {
        const client = new pg.Client(config);
        await client.connect();
        try {
          let n = 0;
          return (
            await client.query(
              sql.replace(/\?/g, () => `$${++n}`),
              params,
            )
          ).rows;
        } finally {
          await client.end();
        }
      },
    };
  }
  // TRIB_JDBC_TEST_MARIADB: local debugging only, when the shared server is unavailable.
  const override = process.env.TRIB_JDBC_TEST_MARIADB;
  let options: ConnectionOptions;
  if (override !== undefined && override !== '') options = JSON.parse(override) as ConnectionOptions;
  else {
    const service: MariaDbService = await useService('mariadb');
    options = service.connectionOptions();
    await service.close();
  }
  const admin = await createConnection(options);
  await admin.query(`CREATE DATABASE IF NOT EXISTS ${SHARED_DATABASE}`);
  await admin.end();
  return {
    connection: mariaDbConnection(options, SHARED_DATABASE),
    exec: async (sql, params = []) => {
      const client = await createConnection({ ...options, database: SHARED_DATABASE });
      try {
        const [rows] = await client.query(sql, params);
        return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
      } finally {
        await client.end();
      }
    },
  };
}

/** Builds the source and sink contexts of one database kind. */
export async function jdbcContractContexts(kind: TestDatabaseKind) {
  const server = kind === 'sqlite' ? undefined : await serverFor(kind);
  const sqliteFile = (workDir: string) => join(workDir, 'contract.sqlite');
  const connectionFor = (workDir: string): JdbcConnectionOptionsInput =>
    server?.connection ?? { dialect: 'sqlite', filename: sqliteFile(workDir) };
  const exec = async (workDir: string, sql: string, params: unknown[] = []) => {
    if (server !== undefined) return server.exec(sql, params);
    const db = new Database(sqliteFile(workDir));
    db.pragma('journal_mode = WAL');
    try {
      const statement = db.prepare(sql);
      if (statement.reader) return statement.all(...params) as Record<string, unknown>[];
      statement.run(...params);
      return [];
    } finally {
      db.close();
    }
  };
  const text = kind === 'mariadb' ? 'VARCHAR(100)' : 'TEXT';
  const sourceTable = (s: SourceTestSetup) => `src_${s.testId.replace(/[^A-Za-z0-9_]/g, '_')}`;
  const sinkTable = (s: SinkTestSetup) => `snk_${s.testId.replace(/[^A-Za-z0-9_]/g, '_')}`;

  let counter = 0;
  async function insertRows(setup: SourceTestSetup, rows: readonly (readonly ContractRow[])[]) {
    const flat = rows.flatMap((split) => split.map((r) => ({ ...r, n: ++counter + Date.now() * 1000 })));
    // Inserted in split-interleaved order in one statement: each row becomes visible at once.
    for (let start = 0; start < flat.length; start += 500) {
      const chunk = flat.slice(start, start + 500);
      await exec(
        setup.workDir,
        `INSERT INTO ${sourceTable(setup)} (id, p, i, n, text) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
        chunk.flatMap((r) => [r.p * 1_000_000 + r.i, r.p, r.i, r.n, r.text]),
      );
    }
  }
  const rowsOf = (p: number, from: number, count: number): ContractRow[] =>
    Array.from({ length: count }, (_, k) => ({ p, i: from + k, text: `line ${from + k} of ${p}` }));

  const sourceContext = defineSourceContext<ContractRow>({
    boundedness: ['bounded', 'unbounded'],
    async writeTestData(setup) {
      await exec(
        setup.workDir,
        `CREATE TABLE ${sourceTable(setup)} (id BIGINT PRIMARY KEY, p INT NOT NULL, i INT NOT NULL, n BIGINT NOT NULL, text ${text} NOT NULL)`,
      );
      const rows = Array.from({ length: setup.splits }, (_, p) => rowsOf(p, 0, setup.recordsPerSplit));
      await insertRows(setup, rows);
      return rows;
    },
    async appendTestData(setup, { round }) {
      const rows = Array.from({ length: setup.splits }, (_, p) =>
        rowsOf(p, round * setup.recordsPerSplit, setup.recordsPerSplit),
      );
      await insertRows(setup, rows);
      return rows;
    },
    createSource: (setup) =>
      new JdbcSource<ContractRow>(
        {
          ...connectionFor(setup.workDir),
          table: sourceTable(setup),
          fetchSize: 20,
          ...(setup.boundedness === 'unbounded'
            ? { mode: 'incrementing' as const, incrementingColumn: 'n', pollIntervalMs: 50 }
            : {
                partitionColumn: 'p',
                lowerBound: 0,
                upperBound: setup.splits - 1,
                numPartitions: setup.splits,
              }),
        },
        (row) => ({ p: Number(row.p), i: Number(row.i), text: String(row.text) }),
      ),
    keyOf: (row) => `${row.p}/${row.i}`,
    cleanup: async (setup) => void (await exec(setup.workDir, `DROP TABLE IF EXISTS ${sourceTable(setup)}`)),
  });

  const sinkContext = defineSinkContext({
    prepare: async (setup) =>
      void (await exec(
        setup.workDir,
        // No unique key: a duplicate write would show up as a second row, not be absorbed.
        `CREATE TABLE ${sinkTable(setup)} (id INT NOT NULL, split INT NOT NULL, seq INT NOT NULL, payload ${text} NOT NULL)`,
      )),
    createSink: (setup) =>
      new JdbcSink<SinkContractRecord>({
        ...connectionFor(setup.workDir),
        table: sinkTable(setup),
        deliveryGuarantee: setup.guarantee,
        transactionIdPrefix: `c-${setup.testId.replace(/[^A-Za-z0-9_.-]/g, '').slice(-30)}`,
        batchSizeRows: 100,
      }),
    async readBack(setup) {
      const rows = await exec(setup.workDir, `SELECT id, split, seq, payload FROM ${sinkTable(setup)}`);
      return rows.map((r) => ({
        id: Number(r.id),
        split: Number(r.split),
        seq: Number(r.seq),
        payload: String(r.payload),
      }));
    },
    cleanup: async (setup) => void (await exec(setup.workDir, `DROP TABLE IF EXISTS ${sinkTable(setup)}`)),
  });
  return { sourceContext, sinkContext };
}
