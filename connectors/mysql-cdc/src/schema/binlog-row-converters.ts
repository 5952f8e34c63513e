import type { RowsEvent } from '../binlog/binlog-client.js';
import type { SchemaCache } from './schema-cache.js';
import { RowConverter } from './value-converter.js';

/** Distinct table shapes kept; more are rebuilt on demand (a schema change is rare). */
const MAX_SHAPES = 512;

/**
 * Row converters for binlog rows, built from the columns each rows event was decoded with (the
 * table map's own metadata with `binlog_row_metadata = FULL`): rows written before an ALTER are
 * typed by the columns they had, even when read after it (catch-up, restore). The primary key
 * comes from the table map too, else from the catalog. Events without columns use the catalog.
 */
export class BinlogRowConverters {
  private readonly byShape = new Map<string, RowConverter>();

  constructor(private readonly catalog: SchemaCache) {}

  async of(event: RowsEvent): Promise<RowConverter | undefined> {
    const { columns, db, table } = event;
    if (columns === undefined) return this.catalog.converter(db, table);
    const shape = [
      db,
      table,
      ...columns.map((c) => `${c.name} ${c.columnType}`),
      event.primaryKey?.join(',') ?? '?',
    ].join('\u0000');
    let converter = this.byShape.get(shape);
    if (converter === undefined) {
      const primaryKey =
        event.primaryKey ?? (await this.catalog.converter(db, table))?.schema.primaryKey ?? [];
      converter = new RowConverter({ db, table, columns, primaryKey });
      if (this.byShape.size >= MAX_SHAPES) this.byShape.clear();
      this.byShape.set(shape, converter);
    }
    return converter;
  }
}
