import type { TributaryPlugin } from '@tributary/core';
import { preflight } from './preflight/preflight.js';
import { listTables } from './schema/table-schema.js';
import { MySqlCdcSource } from './source/mysql-cdc-source.js';
import {
  databaseMatcher,
  MySqlCdcSourceOptions,
  type ResolvedMySqlCdcSourceOptions,
  tableMatcher,
} from './source/mysql-cdc-source-options.js';
import { openConnection } from './source/mysql-connection.js';

/** How many captured tables `tributary validate` names before it only counts. */
const NAMED_TABLES = 5;

/**
 * The checks the source runs when it starts, ahead of time: the server accepts the user, its
 * binlog setup and the user's grants pass the preflight, and `tables` captures at least one table.
 */
async function checkCdc(options: ResolvedMySqlCdcSourceOptions): Promise<string> {
  const connection = await openConnection(options);
  try {
    // The first reader's server id; the job checks the whole range for its parallelism.
    await preflight(connection, [options.serverIdStart]);
    const captured = tableMatcher(options);
    const tables = (await listTables(connection, databaseMatcher(options))).filter((t) =>
      captured(t.db, t.table),
    );
    if (tables.length === 0) {
      throw new Error(
        `no table matches tables [${options.tables.join(', ')}]${options.excludeTables.length > 0 ? ` minus excludeTables [${options.excludeTables.join(', ')}]` : ''}`,
      );
    }
    const names = tables.slice(0, NAMED_TABLES).map((t) => `${t.db}.${t.table}`);
    const more = tables.length > NAMED_TABLES ? ` and ${tables.length - NAMED_TABLES} more` : '';
    return `binlog preflight passed; ${tables.length} table(s) captured: ${names.join(', ')}${more}`;
  } finally {
    await connection.end().catch(() => {});
  }
}

/** The MySQL/MariaDB CDC connector for declarative pipelines (`connector: mysql-cdc`, see `@tributary/cli`). */
export const tributaryPlugin: TributaryPlugin = {
  name: 'mysql-cdc',
  description:
    'MySQL/MariaDB change data capture: lock-free snapshot, then the binlog ({ op, before, after })',
  source: {
    options: MySqlCdcSourceOptions,
    format: 'none',
    guarantee: 'exactly-once (snapshot chunks and binlog position in checkpoints)',
    create: (options) => new MySqlCdcSource(options as ResolvedMySqlCdcSourceOptions),
    check: (options) => checkCdc(options as ResolvedMySqlCdcSourceOptions),
  },
};
