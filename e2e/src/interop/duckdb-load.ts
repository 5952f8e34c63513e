import { type DuckDb, sqlString } from './duckdb.js';
import { type HardRow, hex } from './hard-values.js';

/** The DuckDB table of the hard-values dataset, built from SQL literals (DuckDB parses every value). */
export const HARD_TABLE_COLUMNS =
  'rn INTEGER, id BIGINT, i INTEGER, s VARCHAR, d DOUBLE, dec DECIMAL(38,10), ts TIMESTAMP, day DATE, ok BOOLEAN, b BLOB';

export async function loadHardTable(db: DuckDb, rows: readonly HardRow[], table = 'hard'): Promise<void> {
  await db.run(`CREATE OR REPLACE TABLE ${table} (${HARD_TABLE_COLUMNS})`);
  for (let from = 0; from < rows.length; from += 1000) {
    const values = rows
      .slice(from, from + 1000)
      .map(
        (r) =>
          `(${[
            r.rn,
            `(${r.id})::BIGINT`,
            r.i ?? 'NULL',
            r.s === null ? 'NULL' : sqlString(r.s),
            r.d === null ? 'NULL' : `${sqlString(Object.is(r.d, -0) ? '-0.0' : String(r.d))}::DOUBLE`,
            r.dec === null ? 'NULL' : `(${r.dec})::DECIMAL(38,10)`,
            r.ts === null ? 'NULL' : `make_timestamp((${r.ts})::BIGINT)`,
            r.day === null ? 'NULL' : `(DATE '1970-01-01' + (${r.day}))`,
            r.ok === null ? 'NULL' : String(r.ok),
            r.b === null ? 'NULL' : `from_hex('${hex(r.b)}')`,
          ].join(', ')})`,
      );
    await db.run(`INSERT INTO ${table} VALUES ${values.join(',\n')}`);
  }
}

/**
 * DuckDB's view of a file's rows in comparable terms: text for exact numbers, md5 of the UTF-8 bytes
 * for strings (a JS string could hide a dropped BOM), hex for bytes, micros and day numbers.
 */
export function canonicalSelect(source: string, options: { tsExpr?: string; dayExpr?: string } = {}): string {
  return `SELECT rn::INTEGER AS rn, id::VARCHAR AS id, i::INTEGER AS i,
      CASE WHEN s IS NULL THEN NULL ELSE md5(s) END AS s, d::DOUBLE AS d, dec::VARCHAR AS dec,
      ${options.tsExpr ?? 'epoch_us(ts)'}::VARCHAR AS ts, ${options.dayExpr ?? "datediff('day', DATE '1970-01-01', day)"}::INTEGER AS day,
      ok, hex(b) AS b
    FROM ${source} ORDER BY rn`;
}
