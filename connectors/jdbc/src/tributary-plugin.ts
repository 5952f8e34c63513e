import { hasErrorCode, type TributaryPlugin } from '@tributary/core';
import { JdbcCatalog, type TableInfo } from './catalog/jdbc-catalog.js';
import type { JdbcConnectionOptions } from './dialect/connection-options.js';
import { JdbcErrorCodes } from './jdbc-error-codes.js';
import { JdbcSink } from './sink/jdbc-sink.js';
import { JdbcSinkOptions, type ResolvedJdbcSinkOptions } from './sink/jdbc-sink-options.js';
import { JdbcSource } from './source/jdbc-source.js';
import { JdbcSourceOptions, type ResolvedJdbcSourceOptions } from './source/jdbc-source-options.js';

/** Column options of a component, by option name, that must name columns of its table. */
type ColumnOptions = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * Connects (the server accepts the credentials), then describes the table and checks that the
 * columns the options name exist. Returns what it found for `tributary validate`.
 */
async function checkTable(
  options: JdbcConnectionOptions,
  table: string | undefined,
  columns: ColumnOptions,
  missingTable: 'fail' | 'created' = 'fail',
): Promise<string> {
  const { dialect, host, port, user, password, database, filename, connectTimeoutMs } = options;
  const catalog = await JdbcCatalog.open({
    dialect,
    host,
    port,
    user,
    password,
    database,
    filename,
    connectTimeoutMs,
  });
  try {
    if (table === undefined) {
      await catalog.listTables();
      return `connected (${dialect}; the query is checked when the job starts)`;
    }
    let info: TableInfo;
    try {
      info = await catalog.describeTable(table);
    } catch (error) {
      if (missingTable === 'created' && hasErrorCode(error, JdbcErrorCodes.TABLE_NOT_FOUND)) {
        return `table ${table} does not exist yet (createTable: created on the first write)`;
      }
      throw error;
    }
    for (const [option, names] of Object.entries(columns)) {
      if (names === undefined) continue;
      JdbcCatalog.requireColumns(info, typeof names === 'string' ? [names] : names, option);
    }
    return describe(info);
  } finally {
    await catalog.close();
  }
}

function describe(info: TableInfo): string {
  const key = info.primaryKey.length > 0 ? `primary key (${info.primaryKey.join(', ')})` : 'no primary key';
  return `table ${info.name}: ${info.columns.length} columns, ${key}`;
}

/** The JDBC connector for declarative pipelines (`connector: jdbc`, see `@tributary/cli`). */
export const tributaryPlugin: TributaryPlugin = {
  name: 'jdbc',
  description:
    'PostgreSQL, MySQL/MariaDB and SQLite tables: parallel or incremental scans, upsert and XA sinks',
  source: {
    options: JdbcSourceOptions,
    format: 'none',
    guarantee: 'exactly-once (last key read per split in checkpoints)',
    create: (options) => new JdbcSource(options as ResolvedJdbcSourceOptions),
    check: (options) => {
      const o = options as ResolvedJdbcSourceOptions;
      return checkTable(o, o.table, {
        columns: o.columns,
        keyColumns: o.keyColumns,
        partitionColumn: o.partitionColumn,
        incrementingColumn: o.incrementingColumn,
        timestampColumn: o.timestampColumn,
      });
    },
  },
  sink: {
    options: JdbcSinkOptions,
    format: 'none',
    guarantee: 'exactly-once (prepared transactions); at-least-once (idempotent with upsert)',
    create: (options) => new JdbcSink(options as ResolvedJdbcSinkOptions),
    check: (options) => {
      const o = options as ResolvedJdbcSinkOptions;
      return checkTable(o, o.table, { keyColumns: o.keyColumns }, o.createTable ? 'created' : 'fail');
    },
  },
};
