import {
  type FileInput,
  hasErrorCode,
  MemoryFileInput,
  MemoryFileOutput,
  readAllRegions,
  readFileRegion,
  resumeFileRegion,
} from '@tributary/core';
import { rejectionOf } from '@tributary/core/testing';
import fc from 'fast-check';
import { parquetMetadataAsync } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { ParquetFileFormat } from './parquet-file-format.js';
import type { ParquetFormatConfig } from './parquet-format-options.js';
import { ParquetWriterFormat } from './parquet-writer-format.js';

async function writeParquet(options: ParquetFormatConfig, records: readonly unknown[], batch = 7) {
  const output = new MemoryFileOutput();
  const writer = new ParquetWriterFormat<unknown>(options).createWriter(output);
  for (let i = 0; i < records.length; i += batch) {
    await writer.writeBatch(records.slice(i, i + batch));
    await writer.flush();
  }
  await writer.finish();
  return output.bytes();
}

const columns = [
  { name: 'id', type: 'int64', nullable: false },
  { name: 'name', type: 'string' },
  { name: 'qty', type: 'int32' },
  { name: 'price', type: 'double' },
  { name: 'ratio', type: 'float' },
  { name: 'ok', type: 'boolean' },
  { name: 'at', type: 'timestamp' },
  { name: 'day', type: 'date' },
  { name: 'meta', type: 'json' },
  { name: 'blob', type: 'bytes' },
] as const;

const tricky = fc.oneof(
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('', '"', ',', '\n', '\r\n', '𝄞', 'PAR1'),
);
const record = fc.record({
  id: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  name: fc.option(tricky, { nil: null }),
  qty: fc.option(fc.integer(), { nil: null }),
  price: fc.option(fc.double(), { nil: null }),
  ratio: fc.option(fc.float(), { nil: null }),
  ok: fc.option(fc.boolean(), { nil: null }),
  at: fc.option(fc.date({ noInvalidDate: true }), { nil: null }),
  day: fc.option(
    fc.integer({ min: -700_000, max: 2_900_000 }).map((d) => new Date(d * 86_400_000)),
    { nil: null },
  ),
  meta: fc.option(
    fc
      .jsonValue({ maxDepth: 2 })
      .map((v) => JSON.parse(JSON.stringify(v)) as unknown)
      // hyparquet's toJson rebuilds objects by assignment: a "__proto__" key would set the prototype.
      .filter((v) => v !== null && !JSON.stringify(v).includes('"__proto__"')),
    { nil: null },
  ),
  blob: fc.option(fc.uint8Array({ maxLength: 12 }), { nil: null }),
});
const writeOptions = fc.record({
  compression: fc.constantFrom(
    'snappy' as const,
    'gzip' as const,
    'zstd' as const,
    'lz4' as const,
    'brotli' as const,
    'uncompressed' as const,
  ),
  rowGroupRows: fc.integer({ min: 1, max: 9 }),
});

describe('Parquet format', () => {
  it('write → read returns the records, any codec and row group size (property)', async () => {
    await fc.assert(
      fc.asyncProperty(writeOptions, fc.array(record, { maxLength: 25 }), async (opts, records) => {
        const bytes = await writeParquet({ columns: [...columns], ...opts }, records);
        const out = await readFileRegion(new ParquetFileFormat(), new MemoryFileInput(bytes));
        expect(out.records).toEqual(records);
      }),
      { numRuns: 40 },
    );
  });

  it.each([
    ['zstd', 'ZSTD'],
    ['lz4', 'LZ4_RAW'],
    ['brotli', 'BROTLI'],
  ] as const)(
    'writes %s pages, names them in the footer, and they shrink the file',
    async (compression, codec) => {
      const records = Array.from({ length: 500 }, (_, i) => ({
        id: BigInt(i),
        name: `order-${i % 20}`,
        qty: i % 7,
      }));
      const three = columns.slice(0, 3);
      const compressed = await writeParquet({ columns: [...three], compression }, records, 100);
      const plain = await writeParquet({ columns: [...three], compression: 'uncompressed' }, records, 100);
      const metadata = await parquetMetadataAsync(new Uint8Array(compressed).buffer);
      const codecs = metadata.row_groups.flatMap((g) => g.columns.map((c) => c.meta_data?.codec));
      expect(new Set(codecs)).toEqual(new Set([codec]));
      expect(compressed.length).toBeLessThan(plain.length);
      const out = await readFileRegion(new ParquetFileFormat(), new MemoryFileInput(compressed));
      expect(out.records).toEqual(records);
    },
  );

  it('writes date columns as days since the epoch, statistics too, before and after 1970', async () => {
    const days = [19_844, -1, 0, 2_932_896, -719_162];
    const records = days.map((d, i) => ({ id: BigInt(i), day: new Date(d * 86_400_000) }));
    const bytes = await writeParquet(
      {
        columns: [
          { name: 'id', type: 'int64', nullable: false },
          { name: 'day', type: 'date' },
        ],
      },
      records,
    );
    const metadata = await parquetMetadataAsync(new Uint8Array(bytes).buffer);
    const day = metadata.row_groups[0]?.columns[1]?.meta_data;
    expect(day?.type).toBe('INT32');
    // hyparquet reads DATE statistics back as Dates.
    expect(day?.statistics?.min_value).toEqual(new Date(-719_162 * 86_400_000));
    expect(day?.statistics?.max_value).toEqual(new Date(2_932_896 * 86_400_000));
    const out = await readFileRegion(new ParquetFileFormat(), new MemoryFileInput(bytes));
    expect(out.records).toEqual(records);
  });

  it('resumes exactly after any record (row group start + rows to skip) (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(record, { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 1, max: 6 }),
        fc.nat(),
        async (records, rowGroupRows, pick) => {
          const input = new MemoryFileInput(
            await writeParquet({ columns: [...columns], rowGroupRows }, records),
          );
          const format = new ParquetFileFormat({ maxBatchRows: 4 });
          const all = await readFileRegion(format, input);
          expect(all.records).toEqual(records);
          const k = pick % records.length;
          const rest = await resumeFileRegion(format, input, all.positions[k]);
          expect(rest.records).toEqual(records.slice(k + 1));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('reading all regions yields every record exactly once (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(record, { maxLength: 30 }),
        fc.array(fc.nat({ max: 6000 }), { maxLength: 8 }),
        async (records, cuts) => {
          const input = new MemoryFileInput(
            await writeParquet({ columns: [...columns], rowGroupRows: 4 }, records),
          );
          const format = new ParquetFileFormat();
          const got = await readAllRegions(format, input, cuts);
          expect(got).toEqual(records);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('derives the schema from the records when no columns are given', async () => {
    const at = new Date('2024-05-01T12:00:00.123Z');
    const records = [
      { s: 'a', n: 1.5, b: true, big: 7n, at, bytes: new Uint8Array([1]), obj: { k: [1] }, none: null },
      { s: null, n: 2, b: false, big: null, at: null, bytes: null, obj: null, none: null },
    ];
    const bytes = await writeParquet({}, records);
    expect((await readFileRegion(new ParquetFileFormat(), new MemoryFileInput(bytes))).records).toEqual(
      records,
    );
  });

  it('reads int64 as numbers, projects columns, and decodes unannotated binary as strings', async () => {
    const bytes = await writeParquet(
      {
        columns: [
          { name: 'id', type: 'int64' },
          { name: 'raw', type: 'bytes' },
          { name: 'other', type: 'string' },
        ],
      },
      [{ id: 5, raw: new TextEncoder().encode('héllo'), other: 'x' }],
    );
    const input = new MemoryFileInput(bytes);
    const out = await readFileRegion(
      new ParquetFileFormat({ int64As: 'number', binaryAsString: true, projection: ['id', 'raw'] }),
      input,
    );
    expect(out.records).toEqual([{ id: 5, raw: 'héllo' }]);
    const big = await writeParquet({ columns: [{ name: 'id', type: 'int64' }] }, [{ id: 2n ** 60n }]);
    const error = await rejectionOf(
      readFileRegion(
        new ParquetFileFormat({ int64As: 'number' }),
        new MemoryFileInput(big, { path: 'big.parquet' }),
      ),
    );
    expect(error.message).toContain("field 'id'");
  });

  it('names the column of a value that does not fit, never the value', async () => {
    const writer = new ParquetWriterFormat({ columns: [...columns] }).createWriter(new MemoryFileOutput());
    const error = await rejectionOf(writer.writeBatch([{ id: 1n, qty: 'secret-quantity' }]));
    expect(hasErrorCode(error, 'TRIB_RECORD_INVALID')).toBe(true);
    expect(error.message).toBe(
      "Record 0 of the batch: expected a 32-bit integer, got a string (int32 column) (at field 'qty')",
    );
    const missing = await rejectionOf(writer.writeBatch([{ name: 'no id' }]));
    expect(missing.message).toContain('null in a required column');
  });

  it('reads a compressed input (stream only) and rejects non-Parquet files', async () => {
    const bytes = await writeParquet({ rowGroupRows: 2 }, [{ a: 1 }, { a: 2 }, { a: 3 }]);
    const memory = new MemoryFileInput(bytes, { chunkSize: 10 });
    const streamOnly: FileInput = {
      path: 'x.parquet.gz',
      size: 1,
      compressed: true,
      stream: (offset) => memory.stream(offset),
      read: () => Promise.reject(new Error('no random access')),
    };
    const out = await readFileRegion(new ParquetFileFormat(), streamOnly);
    expect(out.records).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }]);
    const error = await rejectionOf(
      readFileRegion(new ParquetFileFormat(), new MemoryFileInput('nope, just text', { path: 't.txt' })),
    );
    expect(hasErrorCode(error, 'TRIB_RECORD_INVALID')).toBe(true);
    expect(error.message).toContain("file 't.txt'");
  });

  it('fails a restore whose position is not a row group start', async () => {
    const bytes = await writeParquet({ rowGroupRows: 2 }, [{ a: 1 }, { a: 2 }, { a: 3 }]);
    const error = await rejectionOf(
      readFileRegion(new ParquetFileFormat(), new MemoryFileInput(bytes), {
        start: 0,
        end: undefined,
        restoredPosition: { offset: 5, recordsToSkip: 1 },
      }),
    );
    expect(hasErrorCode(error, 'TRIB_RESTORE_FAILED')).toBe(true);
  });

  it('writes a readable file with no rows when columns are known', async () => {
    const bytes = await writeParquet({ columns: [{ name: 'a', type: 'string' }] }, []);
    expect((await readFileRegion(new ParquetFileFormat(), new MemoryFileInput(bytes))).records).toEqual([]);
  });
});
