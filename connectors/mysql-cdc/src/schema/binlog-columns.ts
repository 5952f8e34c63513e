import type { ColumnSchema } from './table-schema.js';

/** A column as zongji describes it: an `information_schema.COLUMNS` row, or one built from the table map's metadata. */
export interface DecoderColumn {
  readonly COLUMN_NAME: string;
  readonly COLUMN_TYPE: string;
}

/** `DATA_TYPE` from a `COLUMN_TYPE` (`bigint(20) unsigned` → `bigint`, `enum('a')` → `enum`). */
export function dataTypeOf(columnType: string): string {
  return /^[a-z0-9_]+/.exec(columnType)?.[0] ?? columnType;
}

/** The connector's column schemas of the columns zongji decoded a rows event with. */
export function columnsOf(columns: readonly DecoderColumn[]): ColumnSchema[] {
  return columns.map((c) => {
    const columnType = String(c.COLUMN_TYPE).toLowerCase();
    return { name: String(c.COLUMN_NAME), dataType: dataTypeOf(columnType), columnType };
  });
}

/**
 * Primary-key column names from a table map's key metadata (column indexes). Only FULL metadata
 * carries column names; with them an absent key list means the table has no primary key, without
 * them it is unknown (undefined).
 */
export function primaryKeyOf(
  columns: readonly DecoderColumn[],
  keyIndexes: readonly number[] | undefined,
  hasFullMetadata: boolean,
): string[] | undefined {
  if (!hasFullMetadata) return undefined;
  return (keyIndexes ?? []).map((i) => String(columns[i]?.COLUMN_NAME));
}
