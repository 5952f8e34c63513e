import type { Connection, RowDataPacket } from 'mysql2/promise';

/** A captured table's identity: `db.table`. */
export interface TableId {
  readonly db: string;
  readonly table: string;
}

export function tableKey(id: TableId): string {
  return `${id.db}.${id.table}`;
}

/** One column: its name and the server's `DATA_TYPE` (`bigint`, `decimal`, `datetime`, ...). */
export interface ColumnSchema {
  readonly name: string;
  readonly dataType: string;
  /** Full `COLUMN_TYPE` (`bigint(20) unsigned`, `enum('a','b')`). */
  readonly columnType: string;
}

/** The columns and primary key of a table, as the catalog has them now. */
export interface TableSchema extends TableId {
  readonly columns: readonly ColumnSchema[];
  readonly primaryKey: readonly string[];
}

/** Reads the schema of the named tables (those that exist) from `information_schema`. */
export async function readTableSchemas(
  connection: Connection,
  tables: readonly TableId[],
): Promise<Map<string, TableSchema>> {
  const result = new Map<string, TableSchema>();
  if (tables.length === 0) return result;
  const where = tables.map(() => '(TABLE_SCHEMA = ? AND TABLE_NAME = ?)').join(' OR ');
  const params = tables.flatMap((t) => [t.db, t.table]);
  const [columns] = await connection.query<RowDataPacket[]>(
    `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tbl, COLUMN_NAME AS name, DATA_TYPE AS dataType, COLUMN_TYPE AS columnType, COLUMN_KEY AS columnKey
       FROM information_schema.COLUMNS WHERE ${where} ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`,
    params,
  );
  const [keys] = await connection.query<RowDataPacket[]>(
    `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tbl, COLUMN_NAME AS name FROM information_schema.KEY_COLUMN_USAGE
      WHERE CONSTRAINT_NAME = 'PRIMARY' AND (${where}) ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`,
    params,
  );
  const building = new Map<
    string,
    { db: string; table: string; columns: ColumnSchema[]; primaryKey: string[] }
  >();
  for (const row of columns) {
    const id = { db: String(row.db), table: String(row.tbl) };
    let entry = building.get(tableKey(id));
    if (entry === undefined) {
      entry = { ...id, columns: [], primaryKey: [] };
      building.set(tableKey(id), entry);
    }
    entry.columns.push({
      name: String(row.name),
      dataType: String(row.dataType).toLowerCase(),
      columnType: String(row.columnType).toLowerCase(),
    });
  }
  for (const row of keys) building.get(`${row.db}.${row.tbl}`)?.primaryKey.push(String(row.name));
  for (const [key, entry] of building) result.set(key, entry);
  return result;
}

/**
 * Lists base tables of the databases `databaseFilter` accepts (system schemas excluded). The
 * databases are filtered first, so a server with many other schemas is not scanned table by table.
 */
export async function listTables(
  connection: Connection,
  databaseFilter: (db: string) => boolean = () => true,
): Promise<TableId[]> {
  const [dbs] = await connection.query<RowDataPacket[]>('SHOW DATABASES');
  const system = new Set(['mysql', 'information_schema', 'performance_schema', 'sys']);
  const names = dbs
    .map((r) => String(Object.values(r)[0]))
    .filter((db) => !system.has(db) && databaseFilter(db));
  if (names.length === 0) return [];
  const [rows] = await connection.query<RowDataPacket[]>(
    `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tbl FROM information_schema.TABLES
      WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA IN (?) ORDER BY TABLE_SCHEMA, TABLE_NAME`,
    [names],
  );
  return rows.map((r) => ({ db: String(r.db), table: String(r.tbl) }));
}
