import type { Connection } from 'mysql2/promise';
import { readTableSchemas, type TableSchema, tableKey } from './table-schema.js';
import { RowConverter } from './value-converter.js';

/**
 * Row converters of the captured tables, loaded from `information_schema` on first use and
 * dropped when a DDL statement of their database goes by, so rows after an ALTER are typed by
 * the new columns (the binlog's own table map names the columns of each row).
 */
export class SchemaCache {
  private readonly converters = new Map<string, RowConverter | null>();

  constructor(private readonly connection: () => Promise<Connection>) {}

  async converter(db: string, table: string): Promise<RowConverter | undefined> {
    const key = tableKey({ db, table });
    let converter = this.converters.get(key);
    if (converter === undefined) {
      const schemas = await readTableSchemas(await this.connection(), [{ db, table }]);
      const schema = schemas.get(key);
      converter = schema === undefined ? null : new RowConverter(schema);
      this.converters.set(key, converter);
    }
    return converter ?? undefined;
  }

  schema(db: string, table: string): TableSchema | undefined {
    return this.converters.get(tableKey({ db, table }))?.schema;
  }

  /** Forgets the tables of `db` (after a DDL there). */
  invalidate(db: string): void {
    for (const key of [...this.converters.keys()])
      if (key.startsWith(`${db}.`) || db === '') this.converters.delete(key);
  }
}
