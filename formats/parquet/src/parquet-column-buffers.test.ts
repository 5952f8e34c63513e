import { MemoryFileOutput } from '@tributary/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ParquetColumn, ParquetFormatConfig } from './parquet-format-options.js';
import { ParquetWriterFormat } from './parquet-writer-format.js';
import { referenceParquetFile } from './testing-fixtures/reference-parquet-file.js';

const columns: ParquetColumn[] = [
  { name: 'id', type: 'int64', nullable: false },
  { name: 'maybeId', type: 'int64', nullable: true },
  { name: 'country', type: 'string', nullable: false },
  { name: 'note', type: 'string', nullable: true },
  { name: 'qty', type: 'int32', nullable: true },
  { name: 'price', type: 'double', nullable: false },
  { name: 'maybePrice', type: 'double', nullable: true },
  { name: 'ratio', type: 'float', nullable: true },
  { name: 'ok', type: 'boolean', nullable: true },
  { name: 'at', type: 'timestamp', nullable: true },
  { name: 'atMicros', type: 'timestamp-micros', nullable: false },
  { name: 'day', type: 'date', nullable: false },
  { name: 'amount', type: 'decimal', precision: 12, scale: 2, nullable: true },
  { name: 'bigAmount', type: 'decimal', precision: 30, scale: 4, nullable: true },
  { name: 'meta', type: 'json', nullable: true },
  { name: 'blob', type: 'bytes', nullable: true },
];

const ms = fc.integer({ min: -8.64e15, max: 8.64e15 });
const record = fc.record({
  id: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  maybeId: fc.option(fc.maxSafeInteger(), { nil: null }),
  // Few distinct values (the strings the buffer shares) and many (beyond what it remembers).
  country: fc.constantFrom('DE', 'US', 'FR', '', 'Ελλάδα', '𝄞'),
  note: fc.option(fc.oneof(fc.string({ unit: 'grapheme' }), fc.constantFrom('a', 'b')), { nil: null }),
  qty: fc.option(fc.integer(), { nil: null }),
  price: fc.double(),
  maybePrice: fc.option(fc.double(), { nil: null }),
  ratio: fc.option(fc.float(), { nil: null }),
  ok: fc.option(fc.boolean(), { nil: null }),
  at: fc.option(
    ms.map((t) => new Date(t)),
    { nil: null },
  ),
  atMicros: fc.oneof(
    ms.map((t) => new Date(t)),
    fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }),
  ),
  day: fc.integer({ min: -700_000, max: 2_900_000 }).map((d) => new Date(d * 86_400_000)),
  amount: fc.option(
    fc.bigInt({ min: -(10n ** 12n) + 1n, max: 10n ** 12n - 1n }).map((u) => (Number(u) / 100).toFixed(2)),
    { nil: null },
  ),
  bigAmount: fc.option(
    fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }).map((u) => `${u}.5`),
    { nil: null },
  ),
  meta: fc.option(fc.constantFrom({ a: 1 }, [1, 2], 'x'), { nil: null }),
  blob: fc.option(fc.uint8Array({ maxLength: 6 }), { nil: null }),
  // Some records carry a value a later column cannot hold: the writer must drop the whole row.
  bad: fc.nat(9).map((n) => n === 0),
});
type Row = Record<string, unknown> & { bad: boolean };

describe('Parquet column buffers', () => {
  it('write the same bytes as hyparquet-writer given plain value arrays, any row group size, rows failing half-way dropped (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(record, { maxLength: 40 }),
        fc.integer({ min: 1, max: 15 }),
        fc.constantFrom('snappy' as const, 'uncompressed' as const),
        fc.boolean(),
        async (records, rowGroupRows, compression, statistics) => {
          const options: ParquetFormatConfig = { columns, rowGroupRows, compression, statistics };
          const output = new MemoryFileOutput();
          const writer = new ParquetWriterFormat<unknown>(options).createWriter(output);
          const kept: Row[] = [];
          for (const r of records) {
            // A bad record fails in the `blob` column, after every other column took its value.
            const input = r.bad ? { ...r, blob: 'not bytes' } : r;
            const failed = await writer.writeBatch([input]).then(
              () => false,
              () => true,
            );
            expect(failed).toBe(r.bad);
            if (!r.bad) kept.push(r);
          }
          await writer.finish();
          const expected = await referenceParquetFile(columns, kept, {
            compression,
            rowGroupRows,
            statistics,
          });
          expect(Buffer.from(output.bytes()).equals(Buffer.from(expected))).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('are reused by the next part file of the same format, which writes what a fresh format writes (property)', async () => {
    const fast = columns.filter((c) =>
      ['int64', 'string', 'double', 'int32', 'date', 'timestamp'].includes(c.type),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(record, { maxLength: 30 }),
        fc.array(record, { maxLength: 30 }),
        fc.integer({ min: 1, max: 12 }),
        fc.boolean(),
        async (first, second, rowGroupRows, allFast) => {
          const options: ParquetFormatConfig = { columns: allFast ? fast : columns, rowGroupRows };
          const clean = (rows: Row[]) => rows.filter((r) => !r.bad);
          const write = async (format: ParquetWriterFormat<unknown>, rows: Row[]) => {
            const output = new MemoryFileOutput();
            const writer = format.createWriter(output);
            await writer.writeBatch(rows);
            await writer.finish();
            return Buffer.from(output.bytes());
          };
          const shared = new ParquetWriterFormat<unknown>(options);
          await write(shared, clean(first));
          const reused = await write(shared, clean(second));
          const fresh = await write(new ParquetWriterFormat<unknown>(options), clean(second));
          expect(reused.equals(fresh)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuse records after finish() (the buffers went to the next part file)', async () => {
    const writer = new ParquetWriterFormat<unknown>({
      columns: [{ name: 'id', type: 'int64' }],
    }).createWriter(new MemoryFileOutput());
    await writer.writeBatch([{ id: 1 }]);
    await writer.finish();
    await writer.finish();
    await expect(writer.writeBatch([{ id: 2 }])).rejects.toThrow('writeBatch after finish()');
  });

  it('write the same bytes for a row group larger than the buffers start with, nulls included', async () => {
    const rows: Row[] = Array.from({ length: 3000 }, (_, i) => ({
      id: BigInt(i),
      maybeId: i % 3 === 0 ? null : i,
      country: ['DE', 'US', 'FR'][i % 3] as string,
      note: i % 5 === 0 ? null : `note ${i % 1500}`,
      qty: i,
      price: i / 7,
      maybePrice: i % 4 === 0 ? null : i / 3,
      ratio: null,
      ok: i % 2 === 0,
      at: new Date(1_700_000_000_000 + i),
      atMicros: BigInt(i) * 1000n,
      day: new Date((19_000 + (i % 30)) * 86_400_000),
      amount: i % 2 === 0 ? null : `${i}.25`,
      bigAmount: `${i}`,
      meta: null,
      blob: null,
      bad: false,
    }));
    const output = new MemoryFileOutput();
    const writer = new ParquetWriterFormat<unknown>({ columns, rowGroupRows: 2500 }).createWriter(output);
    for (let i = 0; i < rows.length; i += 700) await writer.writeBatch(rows.slice(i, i + 700));
    await writer.finish();
    const expected = await referenceParquetFile(columns, rows, {
      compression: 'snappy',
      rowGroupRows: 2500,
      statistics: true,
    });
    expect(Buffer.from(output.bytes()).equals(Buffer.from(expected))).toBe(true);
  });
});
