import { TributaryError } from '@tributary/core';
import { JdbcCatalog, type TableInfo } from '../catalog/jdbc-catalog.js';
import { connectionOf } from '../dialect/connection-options.js';
import type { Dialect, Row, SqlConnection } from '../dialect/dialect.js';
import { openConnection, statementError } from '../dialect/jdbc-errors.js';
import { JdbcErrorCodes } from '../jdbc-error-codes.js';
import type { ResolvedJdbcSinkOptions } from './jdbc-sink-options.js';
import { inferColumns } from './table-ddl.js';

/**
 * `createTable` / `addColumns`: before a batch is written, creates the missing table or adds the
 * columns its records have and the table lacks (nullable), from the values' types. DDL runs on a
 * connection of its own, outside the batch's transaction (MySQL commits implicitly around DDL
 * and refuses it inside XA). Concurrent writers race harmlessly: `IF NOT EXISTS`, and a column
 * another writer added first is taken as added.
 */
export class TableEvolution {
  constructor(
    private readonly dialect: Dialect,
    private readonly options: ResolvedJdbcSinkOptions,
    private table: TableInfo | undefined,
    private readonly keys: readonly string[] | undefined,
  ) {}

  /** The table as it is after any DDL the batch needed, or undefined when nothing changed. */
  async ensure(rows: readonly Row[]): Promise<TableInfo | undefined> {
    const known = new Set(this.table?.columns.map((c) => c.name));
    const missing = this.table === undefined ? [] : fieldsMissing(rows, known);
    if (this.table !== undefined && (missing.length === 0 || !this.options.addColumns)) return undefined;
    const connection = await openConnection(this.dialect, connectionOf(this.options));
    try {
      if (this.table === undefined) await this.create(connection, rows);
      else await this.addColumns(connection, rows, missing);
      this.table = await JdbcCatalog.over(connection).describeTable(this.options.table);
      return this.table;
    } catch (error) {
      throw statementError(this.dialect, error, { table: this.options.table, operation: 'evolve table' });
    } finally {
      await connection.close();
    }
  }

  private async create(connection: SqlConnection, rows: readonly Row[]): Promise<void> {
    const q = this.dialect.quote;
    const keys = this.keys ?? [];
    const columns = inferColumns(this.options.dialect, rows, keys, this.options.columnTypes ?? {});
    const absentKeys = keys.filter((k) => !columns.some((c) => c.name === k));
    if (absentKeys.length > 0) {
      throw new TributaryError(
        JdbcErrorCodes.INVALID_TABLE_OPTIONS,
        `Cannot create table '${this.options.table}': the records lack key column '${absentKeys[0]}'`,
        { context: { table: this.options.table, column: absentKeys[0] } },
      );
    }
    const definitions = columns.map(
      (c) => `${q(c.name)} ${c.type}${keys.includes(c.name) ? ' NOT NULL' : ''}`,
    );
    if (keys.length > 0) definitions.push(`PRIMARY KEY (${keys.map(q).join(', ')})`);
    await connection.execute(
      `CREATE TABLE IF NOT EXISTS ${q(this.options.table)} (${definitions.join(', ')})`,
    );
  }

  private async addColumns(
    connection: SqlConnection,
    rows: readonly Row[],
    missing: readonly string[],
  ): Promise<void> {
    const q = this.dialect.quote;
    const columns = inferColumns(this.options.dialect, rows, [], this.options.columnTypes ?? {}).filter((c) =>
      missing.includes(c.name),
    );
    for (const column of columns) {
      const ifNotExists = this.dialect.name === 'sqlite' ? '' : 'IF NOT EXISTS ';
      try {
        await connection.execute(
          `ALTER TABLE ${q(this.options.table)} ADD COLUMN ${ifNotExists}${q(column.name)} ${column.type}`,
        );
      } catch (error) {
        // SQLite has no IF NOT EXISTS here: another writer added it first.
        if (!/duplicate column/i.test(String((error as Error)?.message))) throw error;
      }
    }
  }
}

function fieldsMissing(rows: readonly Row[], known: ReadonlySet<string>): string[] {
  const missing = new Set<string>();
  for (const row of rows) for (const field of Object.keys(row)) if (!known.has(field)) missing.add(field);
  return [...missing];
}
