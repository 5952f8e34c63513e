import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryFileInput, MemoryFileOutput, readFileRegion } from '@tributary/core';
import { ParquetFileFormat, ParquetWriterFormat } from '@tributary/format-parquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonical, differences } from './canonical.js';
import { type DuckDb, openDuckDb } from './duckdb.js';
import { canonicalSelect, loadHardTable } from './duckdb-load.js';
import { dateOfMicros, type HardRow, hardRows, isoMicros } from './hard-values.js';

/**
 * Parquet against DuckDB (an implementation that shares no code with hyparquet): files Tributary
 * writes, read by DuckDB; files DuckDB writes, read by Tributary — every codec, hard values.
 */
const CODECS = [
  ['snappy', 'SNAPPY'],
  ['gzip', 'GZIP'],
  ['zstd', 'ZSTD'],
  ['lz4', 'LZ4_RAW'],
  ['brotli', 'BROTLI'],
  ['uncompressed', 'UNCOMPRESSED'],
] as const;

const rows = hardRows(6000);
let db: DuckDb;
let dir: string;

beforeAll(async () => {
  db = await openDuckDb();
  dir = mkdtempSync(join(tmpdir(), 'tributary-parquet-interop-'));
  await loadHardTable(db, rows);
});
afterAll(() => {
  db?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const COLUMNS = [
  { name: 'rn', type: 'int32', nullable: false },
  { name: 'id', type: 'int64', nullable: false },
  { name: 'i', type: 'int32' },
  { name: 's', type: 'string' },
  { name: 'd', type: 'double' },
  { name: 'dec', type: 'decimal', precision: 38, scale: 10 },
  { name: 'ts', type: 'timestamp-micros' },
  { name: 'day', type: 'date' },
  { name: 'ok', type: 'boolean' },
  { name: 'b', type: 'bytes' },
] as const;

function asRecord(r: HardRow): Record<string, unknown> {
  return { ...r, day: r.day === null ? null : new Date(r.day * 86_400_000) };
}

describe.each(CODECS)('Parquet %s', (codec, duckCodec) => {
  it('Tributary writes, DuckDB reads every value back', async () => {
    const output = new MemoryFileOutput();
    const writer = new ParquetWriterFormat({
      columns: COLUMNS.map((c) => ({ ...c })),
      compression: codec,
      rowGroupRows: 1000,
      pageSizeBytes: 16 * 1024,
    }).createWriter(output);
    for (let from = 0; from < rows.length; from += 500)
      await writer.writeBatch(rows.slice(from, from + 500).map(asRecord));
    await writer.finish();
    const path = join(dir, `tributary-${codec}.parquet`);
    writeFileSync(path, output.bytes());

    const meta = await db.rows(
      `SELECT count(DISTINCT row_group_id)::INTEGER AS groups, min(compression) AS codec FROM parquet_metadata('${path}')`,
    );
    expect(meta[0]).toEqual({ groups: 6, codec: duckCodec });
    const read = await db.rows(canonicalSelect(`read_parquet('${path}')`));
    expect(differences(read, rows.map(canonical))).toEqual([]);
  });

  it('DuckDB writes, Tributary reads every value back', async () => {
    const path = join(dir, `duckdb-${codec}.parquet`);
    await db.run(
      `COPY (SELECT * FROM hard ORDER BY rn) TO '${path}' (FORMAT PARQUET, COMPRESSION ${duckCodec}, ROW_GROUP_SIZE 2048)`,
    );
    const input = new MemoryFileInput(readFileSync(path), { path });
    const exact = await readFileRegion(
      new ParquetFileFormat({ timestamps: 'string', decimals: 'string' }),
      input,
    );
    expect(
      differences(
        exact.records as Record<string, unknown>[],
        rows.map((r) => ({
          ...r,
          ts: r.ts === null ? null : isoMicros(r.ts),
          day: r.day === null ? null : new Date(r.day * 86_400_000),
        })),
      ),
    ).toEqual([]);
    // Defaults: timestamps are Dates (floored to the millisecond), DECIMAL(38,10) is still exact.
    const dates = await readFileRegion(new ParquetFileFormat(), input);
    expect(
      differences(
        (dates.records as Record<string, unknown>[]).map((r) => ({ ts: r.ts, dec: r.dec })),
        rows.map((r) => ({ ts: r.ts === null ? null : dateOfMicros(r.ts), dec: r.dec })),
      ),
    ).toEqual([]);
  });
});

describe('Parquet types beyond the writer’s columns, written by DuckDB', () => {
  it('reads nested lists, structs and maps, INTERVAL and nanosecond timestamps', async () => {
    const path = join(dir, 'duckdb-nested.parquet');
    await db.run(`COPY (
      SELECT 1 AS rn, [1, NULL, -3] AS l, {'a': 'x\uFEFF', 'n': 9223372036854775807::BIGINT} AS st,
        MAP {'k1': 1, 'k2': NULL} AS m, INTERVAL '14 months 3 days 1 hour' AS iv,
        make_timestamp_ns(-1::BIGINT) AS tn, [[1, 2], []] AS ll
      UNION ALL
      SELECT 2, [], NULL, MAP {}, NULL, make_timestamp_ns(1717171717123456789::BIGINT), NULL
    ) TO '${path}' (FORMAT PARQUET)`);
    const input = new MemoryFileInput(readFileSync(path), { path });
    const { records } = await readFileRegion(new ParquetFileFormat({ timestamps: 'string' }), input);
    expect(records).toEqual([
      {
        rn: 1,
        l: [1, null, -3],
        st: { a: 'x\uFEFF', n: 9223372036854775807n },
        m: { k1: 1, k2: null },
        iv: { months: 14, days: 3, milliseconds: 3_600_000 },
        tn: '1969-12-31T23:59:59.999999999Z',
        ll: [[1, 2], []],
      },
      { rn: 2, l: [], st: null, m: {}, iv: null, tn: '2024-05-31T16:08:37.123456789Z', ll: null },
    ]);
  });
});

describe('Parquet derived schema with keys first seen in later batches', () => {
  it('DuckDB reads the added columns, null in the rows written before them', async () => {
    const output = new MemoryFileOutput();
    const writer = new ParquetWriterFormat().createWriter(output);
    await writer.writeBatch([{ id: 1n }, { id: 2n }]);
    await writer.writeBatch([{ id: 3n, s: 'late' }]);
    await writer.writeBatch([{ id: 4n, d: 2.5, s: null }]);
    await writer.finish();
    const path = join(dir, 'tributary-late-keys.parquet');
    writeFileSync(path, output.bytes());
    expect(await db.rows(`SELECT id::INTEGER AS id, s, d FROM read_parquet('${path}') ORDER BY id`)).toEqual([
      { id: 1, s: null, d: null },
      { id: 2, s: null, d: null },
      { id: 3, s: 'late', d: null },
      { id: 4, s: null, d: 2.5 },
    ]);
  });
});
