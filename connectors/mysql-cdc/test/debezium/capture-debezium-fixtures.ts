/**
 * Regenerates the Debezium fixtures of `@tributary/format-debezium-json`
 * (`formats/debezium-json/test/fixtures/debezium-mariadb-capture.jsonl`): the real embedded engine
 * (see `debezium-capture.ts`) captures {@link INTEROP_CHANGES} on the harness MariaDB, in a
 * database of fixed name so the messages are stable apart from times and binlog positions.
 *
 *   flock /work/heavy.lock pnpm --filter @tributary/connector-mysql-cdc capture:debezium-fixtures
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { useService } from '@tributary/e2e';
import { createConnection } from 'mysql2/promise';
import { DEBEZIUM_VERSION } from '../../bench/debezium-peer.js';
import { captureDebeziumMessages } from './debezium-capture.js';
import {
  applyInteropChanges,
  createInteropTable,
  INTEROP_EXPECTED_MESSAGES,
  INTEROP_SNAPSHOT_ROWS,
  INTEROP_TABLE,
} from './interop-table.js';

export const FIXTURE_DB = 'dbz_interop';
const target = fileURLToPath(
  new URL('../../../../formats/debezium-json/test/fixtures/debezium-mariadb-capture.jsonl', import.meta.url),
);

async function main(): Promise<void> {
  const mariadb = await useService('mariadb');
  const options = mariadb.connectionOptions();
  const admin = await createConnection(options);
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${FIXTURE_DB}`);
    await admin.query(`CREATE DATABASE ${FIXTURE_DB} CHARACTER SET utf8mb4`);
    const connection = await createConnection({ ...options, database: FIXTURE_DB });
    try {
      await createInteropTable(connection);
      const messages = await captureDebeziumMessages({
        host: options.host as string,
        port: options.port as number,
        user: options.user as string,
        ...(options.password === undefined ? {} : { password: options.password as string }),
        db: FIXTURE_DB,
        table: INTEROP_TABLE,
        serverId: 9_900 + (process.pid % 90),
        snapshotRows: INTEROP_SNAPSHOT_ROWS.length,
        afterSnapshot: () => applyInteropChanges(connection),
        expectedMessages: INTEROP_EXPECTED_MESSAGES,
      });
      const header = {
        debezium: DEBEZIUM_VERSION,
        connector: 'mariadb',
        capturedAt: new Date().toISOString(),
      };
      writeFileSync(target, [header, ...messages].map((m) => `${JSON.stringify(m)}\n`).join(''));
      process.stdout.write(`${messages.length} messages written to ${target}\n`);
    } finally {
      await connection.end();
    }
    await admin.query(`DROP DATABASE IF EXISTS ${FIXTURE_DB}`);
  } finally {
    await admin.end();
    await mariadb.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
