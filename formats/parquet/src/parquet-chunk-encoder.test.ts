import { MemoryFileOutput } from '@tributary/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFastColumn } from './parquet-chunk-encoder.js';
import type { ParquetWriterCompression } from './parquet-codecs.js';
import type { ParquetColumn } from './parquet-format-options.js';
import { ParquetWriterFormat } from './parquet-writer-format.js';
import { referenceParquetFile } from './testing-fixtures/reference-parquet-file.js';

/** Every column type the chunk encoder writes, required and nullable. */
const columns: ParquetColumn[] = [
  { name: 'id', type: 'int64', nullable: false },
  { name: 'maybeId', type: 'int64', nullable: true },
  { name: 'country', type: 'string', nullable: false },
  { name: 'note', type: 'string', nullable: true },
  { name: 'qty', type: 'int32', nullable: true },
  { name: 'level', type: 'int32', nullable: false },
  { name: 'price', type: 'double', nullable: false },
  { name: 'maybePrice', type: 'double', nullable: true },
  { name: 'at', type: 'timestamp', nullable: true },
  { name: 'atMicros', type: 'timestamp-micros', nullable: false },
  { name: 'day', type: 'date', nullable: false },
];

const ms = fc.integer({ min: -8.64e15, max: 8.64e15 });
const bigint64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
/** A few values (so the dictionary pays) or any value (so it does not), chosen per test case. */
function poolOr<T>(any: fc.Arbitrary<T>, pool: readonly T[]): fc.Arbitrary<T> {
  return fc.oneof({ arbitrary: fc.constantFrom(...pool), weight: 3 }, { arbitrary: any, weight: 1 });
}
const record = fc.record({
  id: fc.oneof(bigint64, fc.constantFrom(0n, -1n, 2n ** 53n, -(2n ** 53n) - 1n, 2n ** 63n - 1n)),
  maybeId: fc.option(poolOr(fc.maxSafeInteger(), [1, 2, 0]), { nil: null }),
  country: poolOr(fc.string({ unit: 'binary', maxLength: 5 }), [
    'DE',
    'US',
    '',
    'Ελλάδα',
    '𝄞',
    '\uD800x',
    '\uFFFF',
  ]),
  note: fc.option(fc.string({ unit: 'grapheme', maxLength: 30 }), { nil: null }),
  qty: fc.option(poolOr(fc.integer(), [0, 1, 7]), { nil: null }),
  level: poolOr(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), [0, -1, 3]),
  price: poolOr(fc.double(), [0, -0, Number.NaN, 1.5, Number.POSITIVE_INFINITY]),
  maybePrice: fc.option(fc.double(), { nil: null }),
  at: fc.option(
    ms.map((t) => new Date(t)),
    { nil: null },
  ),
  atMicros: fc.oneof(
    ms.map((t) => new Date(t)),
    fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }),
  ),
  day: poolOr(fc.integer({ min: -700_000, max: 2_900_000 }), [0, 19_000, 19_001]).map(
    (d) => new Date(d * 86_400_000),
  ),
});
type Row = Record<string, unknown>;

async function written(
  rows: readonly Row[],
  compression: ParquetWriterCompression,
  rowGroupRows: number,
  pageSizeBytes: number,
  statistics: boolean,
): Promise<Uint8Array> {
  const output = new MemoryFileOutput();
  const writer = new ParquetWriterFormat<unknown>({
    columns,
    compression,
    rowGroupRows,
    pageSizeBytes,
    statistics,
  }).createWriter(output);
  for (let i = 0; i < rows.length; i += 7) await writer.writeBatch(rows.slice(i, i + 7));
  await writer.finish();
  return output.bytes();
}

describe('Parquet chunk encoder', () => {
  it('covers every column type of the test (else the test would compare the library with itself)', () => {
    expect(columns.every(isFastColumn)).toBe(true);
  });

  it('writes the same bytes as hyparquet-writer: dictionaries or not, several pages, nulls, NaN, -0, lone surrogates (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(record, { maxLength: 120 }),
        fc.integer({ min: 1, max: 80 }),
        fc.constantFrom(1, 16, 64, 300, 1024 * 1024),
        fc.constantFrom('snappy' as const, 'uncompressed' as const, 'gzip' as const),
        fc.boolean(),
        async (rows, rowGroupRows, pageSizeBytes, compression, statistics) => {
          const actual = await written(rows, compression, rowGroupRows, pageSizeBytes, statistics);
          const expected = await referenceParquetFile(columns, rows, {
            compression,
            rowGroupRows,
            pageSizeBytes,
            statistics,
          });
          expect(Buffer.from(actual).equals(Buffer.from(expected))).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('writes the same bytes for large row groups with several pages and growing buffers', async () => {
    const rows: Row[] = Array.from({ length: 5000 }, (_, i) => ({
      id: BigInt(i) * 1_000_003n,
      maybeId: i % 3 === 0 ? null : i % 50,
      country: ['DE', 'US', 'FR', 'Ελλάδα'][i % 4] as string,
      note: i % 5 === 0 ? null : `note ${i % 1500}`,
      qty: i % 7 === 0 ? null : i % 10,
      level: i,
      price: (i % 100) / 4,
      maybePrice: i % 4 === 0 ? null : i / 3,
      at: i % 9 === 0 ? null : new Date(1_700_000_000_000 + i),
      atMicros: BigInt(i) * 1000n,
      day: new Date((19_000 + (i % 30)) * 86_400_000),
    }));
    for (const pageSizeBytes of [4096, 1024 * 1024]) {
      const actual = await written(rows, 'snappy', 4000, pageSizeBytes, true);
      const expected = await referenceParquetFile(columns, rows, {
        compression: 'snappy',
        rowGroupRows: 4000,
        pageSizeBytes,
        statistics: true,
      });
      expect(Buffer.from(actual).equals(Buffer.from(expected))).toBe(true);
    }
  });
});
