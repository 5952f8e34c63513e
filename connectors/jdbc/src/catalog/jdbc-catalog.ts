import { TributaryError } from '@tributary/core';
import { type JdbcConnectionOptionsInput, jdbcConnectionSchema } from '../dialect/connection-options.js';
import type { ColumnInfo, Dialect, SqlConnection } from '../dialect/dialect.js';
import { dialectOf } from '../dialect/dialects.js';
import { openConnection, statementError } from '../dialect/jdbc-errors.js';
import { JdbcErrorCodes } from '../jdbc-error-codes.js';

/** A table as the catalog describes it. */
export interface TableInfo {
  readonly name: string;
  readonly columns: readonly ColumnInfo[];
  /** Primary key columns in key order (empty when the table has none). */
  readonly primaryKey: readonly string[];
}

/**
 * Reads what the database holds (Flink's JDBC catalog): databases, tables, columns with types
 * and primary keys. Sources and sinks use it to check their options against the real table
 * before any data moves.
 *
 * ```ts
 * const catalog = await JdbcCatalog.open({ dialect: 'postgres', host, user, password, database: 'shop' });
 * const orders = await catalog.describeTable('orders'); // { columns: [...], primaryKey: ['id'] }
 * await catalog.close();
 * ```
 */
export class JdbcCatalog {
  private constructor(
    readonly dialect: Dialect,
    private readonly connection: SqlConnection,
    private readonly ownsConnection: boolean,
  ) {}

  static async open(options: JdbcConnectionOptionsInput): Promise<JdbcCatalog> {
    const parsed = jdbcConnectionSchema.parse(options);
    const dialect = dialectOf(parsed.dialect);
    return new JdbcCatalog(dialect, await openConnection(dialect, parsed), true);
  }

  /** A catalog over a connection the caller keeps (and closes). */
  static over(connection: SqlConnection): JdbcCatalog {
    return new JdbcCatalog(connection.dialect, connection, false);
  }

  listDatabases(): Promise<string[]> {
    return this.run('list databases', () => this.dialect.listDatabases(this.connection));
  }

  listTables(): Promise<string[]> {
    return this.run('list tables', () => this.dialect.listTables(this.connection));
  }

  /** Columns of a table, or TRIB_JDBC_TABLE_NOT_FOUND naming it. */
  async describeTable(table: string): Promise<TableInfo> {
    const columns = await this.run(
      'describe table',
      () => this.dialect.listColumns(this.connection, table),
      table,
    );
    if (columns.length === 0) {
      throw new TributaryError(JdbcErrorCodes.TABLE_NOT_FOUND, `Table '${table}' does not exist`, {
        context: { table },
      });
    }
    const primaryKey = columns
      .filter((c) => c.primaryKeyPosition !== undefined)
      .sort((a, b) => (a.primaryKeyPosition ?? 0) - (b.primaryKeyPosition ?? 0))
      .map((c) => c.name);
    return { name: table, columns, primaryKey };
  }

  /** Throws TRIB_JDBC_COLUMN_NOT_FOUND naming the first of `columns` the table lacks (`option` says where it came from). */
  static requireColumns(table: TableInfo, columns: readonly string[], option: string): void {
    const known = new Set(table.columns.map((c) => c.name));
    for (const column of columns) {
      if (!known.has(column)) {
        throw new TributaryError(
          JdbcErrorCodes.COLUMN_NOT_FOUND,
          `Column '${column}' (option ${option}) does not exist in table '${table.name}' (columns: ${[...known].join(', ')})`,
          { context: { table: table.name, column, option } },
        );
      }
    }
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await this.connection.close();
  }

  private async run<R>(operation: string, action: () => Promise<R>, table?: string): Promise<R> {
    try {
      return await action();
    } catch (error) {
      throw statementError(this.dialect, error, { operation, ...(table === undefined ? {} : { table }) });
    }
  }
}
