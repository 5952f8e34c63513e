import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MariaDbService, useService } from '@tributary/e2e';
import { type Connection, createConnection } from 'mysql2/promise';
import { afterAll, beforeAll } from 'vitest';

/** What {@link useCdcTestDatabase} sets up before the file's tests run. */
export interface CdcTestDatabase {
  readonly mariadb: MariaDbService;
  /** A database of this file's own. */
  readonly db: string;
  readonly connection: Connection;
  /** A scratch directory (checkpoints, savepoints), removed after the tests. */
  readonly dir: string;
}

/**
 * Registers `beforeAll` / `afterAll` for a CDC e2e file: the harness MariaDB (a private server when
 * `private` — for tests that rotate or purge binary logs, which others must not see), a database
 * named after `prefix`, a connection to it and a scratch directory. Read the fields inside tests.
 */
export function useCdcTestDatabase(prefix: string, options: { private?: boolean } = {}): CdcTestDatabase {
  let state: CdcTestDatabase | undefined;
  beforeAll(async () => {
    const mariadb = await useService('mariadb', options.private === true ? { private: true } : {});
    const db = await mariadb.createDatabase(prefix);
    const connection = await createConnection(mariadb.connectionOptions(db));
    const dir = await mkdtemp(join(tmpdir(), `trib-cdc-${prefix}-`));
    state = { mariadb, db, connection, dir };
  });
  afterAll(async () => {
    await state?.connection.end();
    await state?.mariadb.close();
    if (state !== undefined) await rm(state.dir, { recursive: true, force: true });
  });
  const ready = (): CdcTestDatabase => {
    if (state === undefined) throw new Error('useCdcTestDatabase: read its fields inside tests');
    return state;
  };
  return {
    get mariadb() {
      return ready().mariadb;
    },
    get db() {
      return ready().db;
    },
    get connection() {
      return ready().connection;
    },
    get dir() {
      return ready().dir;
    },
  };
}
