import { TributaryError } from '@tributary/core';
import type { Connection } from 'mysql2/promise';
import { MySqlCdcErrorCodes } from '../mysql-cdc-error-codes.js';
import { listTables, readTableSchemas, type TableId } from '../schema/table-schema.js';
import {
  databaseMatcher,
  type ResolvedMySqlCdcSourceOptions,
  tableMatcher,
} from '../source/mysql-cdc-source-options.js';
import type { SnapshotSplit } from '../source/mysql-cdc-split.js';
import { planChunks } from './chunk-planner.js';

type PlanOptions = Pick<
  ResolvedMySqlCdcSourceOptions,
  'tables' | 'excludeTables' | 'chunkKeyColumns' | 'chunkSize'
>;

/** The existing tables the include/exclude patterns capture. */
export async function capturedTables(connection: Connection, options: PlanOptions): Promise<TableId[]> {
  const captured = tableMatcher(options);
  return (await listTables(connection, databaseMatcher(options))).filter((t) => captured(t.db, t.table));
}

/** The snapshot chunks of `tables` (by primary key or `chunkKeyColumns`), as splits `db.table:i`. */
export async function planTableChunks(
  connection: Connection,
  options: PlanOptions,
  tables: readonly TableId[],
): Promise<SnapshotSplit[]> {
  const schemas = await readTableSchemas(connection, tables);
  const splits: SnapshotSplit[] = [];
  for (const schema of schemas.values()) {
    const name = `${schema.db}.${schema.table}`;
    const chunkKey = options.chunkKeyColumns[name] ?? schema.primaryKey[0];
    if (chunkKey === undefined || !schema.columns.some((c) => c.name === chunkKey))
      throw new TributaryError(
        MySqlCdcErrorCodes.NO_CHUNK_KEY,
        `Table ${name} has no primary key: set chunkKeyColumns['${name}'] to a unique NOT NULL column`,
        { context: { table: name, option: 'chunkKeyColumns' } },
      );
    const keyColumns = schema.primaryKey.length > 0 ? schema.primaryKey : [chunkKey];
    const ranges = await planChunks(connection, schema, chunkKey, options.chunkSize);
    for (const [i, range] of ranges.entries())
      splits.push({
        kind: 'snapshot',
        splitId: `${name}:${i}`,
        db: schema.db,
        table: schema.table,
        chunkKey,
        keyColumns,
        ...(range.start === undefined ? {} : { start: range.start }),
        ...(range.end === undefined ? {} : { end: range.end }),
      });
  }
  return splits;
}
