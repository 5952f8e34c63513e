import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { TableSchema } from '../schema/table-schema.js';
import type { ChunkRange } from './chunk-range.js';

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint']);

export function quoteIdentifier(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

export function qualifiedName(table: { db: string; table: string }): string {
  return `${quoteIdentifier(table.db)}.${quoteIdentifier(table.table)}`;
}

/**
 * Splits a table into half-open ranges of its chunk key, about `chunkSize` rows each (Flink CDC's
 * splitter): evenly sized ranges when the key is dense (max − min + 1 ≤ 2 × rows), otherwise
 * boundaries found with `ORDER BY key LIMIT n` queries. A non-integer key gives one chunk (its
 * order is the column's collation, which the binlog filter cannot reproduce exactly).
 */
export async function planChunks(
  connection: Connection,
  schema: TableSchema,
  chunkKey: string,
  chunkSize: number,
): Promise<ChunkRange[]> {
  const column = schema.columns.find((c) => c.name === chunkKey);
  if (column === undefined || !INTEGER_TYPES.has(column.dataType)) return [{}];
  const table = qualifiedName(schema);
  const key = quoteIdentifier(chunkKey);
  const [bounds] = await connection.query<RowDataPacket[]>({
    sql: `SELECT CAST(MIN(${key}) AS CHAR) AS lo, CAST(MAX(${key}) AS CHAR) AS hi, COUNT(*) AS n FROM ${table}`,
  });
  const lo = bounds[0]?.lo as string | null;
  const hi = bounds[0]?.hi as string | null;
  const rows = BigInt(String(bounds[0]?.n ?? 0));
  if (lo === null || hi === null || rows <= BigInt(chunkSize)) return [{}];
  const min = BigInt(lo);
  const max = BigInt(hi);
  const size = BigInt(chunkSize);
  const boundaries: bigint[] = [];
  if (max - min + 1n <= 2n * rows) {
    const step = ((max - min + 1n) * size) / rows || 1n;
    for (let b = min + step; b <= max; b += step) boundaries.push(b);
  } else {
    let from = min;
    for (;;) {
      const [next] = await connection.query<RowDataPacket[]>({
        sql: `SELECT CAST(MAX(${key}) AS CHAR) AS k FROM (SELECT ${key} FROM ${table} WHERE ${key} >= ? ORDER BY ${key} LIMIT ${chunkSize}) chunk`,
        values: [from.toString()],
      });
      const last = next[0]?.k as string | null;
      if (last === null || last === undefined) break;
      const [after] = await connection.query<RowDataPacket[]>({
        sql: `SELECT CAST(MIN(${key}) AS CHAR) AS k FROM ${table} WHERE ${key} > ?`,
        values: [last],
      });
      const following = after[0]?.k as string | null;
      if (following === null || following === undefined) break;
      from = BigInt(following);
      boundaries.push(from);
    }
  }
  const ranges: ChunkRange[] = [];
  let start: string | undefined;
  for (const b of boundaries) {
    ranges.push({ start, end: b.toString() });
    start = b.toString();
  }
  ranges.push({ start, end: undefined });
  return ranges;
}
