import { hasErrorCode, MemoryFileInput, MemoryFileOutput, readFileRegion } from '@tributary/core';
import { ParquetWriter } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { ParquetFileFormat } from './parquet-file-format.js';
import type { ParquetFormatConfig } from './parquet-format-options.js';
import { ParquetOutputWriter } from './parquet-output-writer.js';
import { ParquetWriterFormat } from './parquet-writer-format.js';

type Schema = ConstructorParameters<typeof ParquetWriter>[0]['schema'];

/** A file written straight with hyparquet-writer: physical values, so the reader alone is tested. */
async function rawFile(schema: Schema, columnData: { name: string; data: unknown[] }[]): Promise<Uint8Array> {
  const output = new MemoryFileOutput();
  const writer = new ParquetWriter({ writer: new ParquetOutputWriter(output), schema });
  await writer.write({ columnData: columnData as never, rowGroupSize: 1000 });
  await writer.finish();
  return output.bytes();
}

async function read(bytes: Uint8Array, options: ParquetFormatConfig = {}) {
  return (await readFileRegion(new ParquetFileFormat(options), new MemoryFileInput(bytes))).records;
}

async function roundTrip(
  options: ParquetFormatConfig,
  records: unknown[],
  readOptions: ParquetFormatConfig = {},
) {
  const output = new MemoryFileOutput();
  const writer = new ParquetWriterFormat<unknown>(options).createWriter(output);
  for (const r of records) await writer.writeBatch([r]);
  await writer.finish();
  return read(output.bytes(), readOptions);
}

describe('Parquet strings', () => {
  it('keep a leading U+FEFF (no BOM stripping)', async () => {
    const records = [{ s: '\uFEFFx' }, { s: '\uFEFF' }, { s: '' }, { s: '𝄞\uFEFF' }, { s: null }];
    expect(await roundTrip({ columns: [{ name: 's', type: 'string' }] }, records)).toEqual(records);
  });
});

describe('Parquet timestamps before 1970', () => {
  const micros = [-500n, -1n, -284_040_000_000_000n + 1n, 1n, 999n];
  const nanos = [-500_000n, -1n, 1_999_999n];
  const file = () =>
    rawFile(
      [
        { name: 'root', num_children: 2 },
        { name: 'us', type: 'INT64', repetition_type: 'REQUIRED', converted_type: 'TIMESTAMP_MICROS' },
        {
          name: 'ns',
          type: 'INT64',
          repetition_type: 'OPTIONAL',
          logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'NANOS' },
        },
      ],
      [
        { name: 'us', data: micros.slice(0, 3) },
        { name: 'ns', data: nanos },
      ],
    );

  it('floor sub-millisecond parts into a Date', async () => {
    const records = await read(await file());
    expect(records).toEqual([
      { us: new Date('1969-12-31T23:59:59.999Z'), ns: new Date('1969-12-31T23:59:59.999Z') },
      { us: new Date('1969-12-31T23:59:59.999Z'), ns: new Date('1969-12-31T23:59:59.999Z') },
      { us: new Date('1960-12-31T12:00:00.000Z'), ns: new Date('1970-01-01T00:00:00.001Z') },
    ]);
  });

  it("read exactly as ISO strings with timestamps: 'string'", async () => {
    const records = await read(await file(), { timestamps: 'string' });
    expect(records).toEqual([
      { us: '1969-12-31T23:59:59.999500Z', ns: '1969-12-31T23:59:59.999500000Z' },
      { us: '1969-12-31T23:59:59.999999Z', ns: '1969-12-31T23:59:59.999999999Z' },
      { us: '1960-12-31T12:00:00.000001Z', ns: '1970-01-01T00:00:00.001999999Z' },
    ]);
  });
});

describe('Parquet decimals', () => {
  it('DECIMAL(38,10) reads exactly, as a string by default', async () => {
    const bytes = await rawFile(
      [
        { name: 'root', num_children: 2 },
        {
          name: 'd',
          type: 'FIXED_LEN_BYTE_ARRAY',
          type_length: 16,
          repetition_type: 'OPTIONAL',
          converted_type: 'DECIMAL',
          precision: 38,
          scale: 10,
        },
        {
          name: 'small',
          type: 'INT64',
          repetition_type: 'OPTIONAL',
          converted_type: 'DECIMAL',
          precision: 12,
          scale: 3,
        },
      ],
      [
        { name: 'd', data: [123456789012345678900123456789n, -1n, null, 10n ** 38n - 1n] },
        { name: 'small', data: [-1234567n, 0n, null, 999999999999n] },
      ],
    );
    expect(await read(bytes)).toEqual([
      { d: '12345678901234567890.0123456789', small: -1234.567 },
      { d: '-0.0000000001', small: 0 },
      { d: null, small: null },
      { d: '9999999999999999999999999999.9999999999', small: 999999999.999 },
    ]);
    expect((await read(bytes, { decimals: 'string' }))[0]).toEqual({
      d: '12345678901234567890.0123456789',
      small: '-1234.567',
    });
    expect((await read(bytes, { decimals: 'number' }))[0]).toEqual({
      d: 12345678901234567000,
      small: -1234.567,
    });
  });

  it('decimal columns write exactly and reject values that do not fit', async () => {
    const columns = [{ name: 'd', type: 'decimal', precision: 38, scale: 10 }] as const;
    const records = [
      { d: '12345678901234567890.0123456789' },
      { d: '-9999999999999999999999999999.9999999999' },
      { d: null },
      { d: '0.5' },
    ];
    expect(await roundTrip({ columns: [...columns] }, records)).toEqual([
      records[0],
      records[1],
      records[2],
      { d: '0.5000000000' },
    ]);
    await expect(roundTrip({ columns: [...columns] }, [{ d: '0.00000000001' }])).rejects.toThrow(
      /more fraction digits than the scale 10 \(decimal column\)/,
    );
    expect(() => new ParquetWriterFormat({ columns: [{ name: 'd', type: 'decimal' }] })).toThrow(/precision/);
  });
});

describe('Parquet INTERVAL columns', () => {
  it('read as { months, days, milliseconds } instead of failing the file', async () => {
    const interval = (m: number, d: number, ms: number) => {
      const b = new Uint8Array(12);
      const v = new DataView(b.buffer);
      v.setUint32(0, m, true);
      v.setUint32(4, d, true);
      v.setUint32(8, ms, true);
      return b;
    };
    const bytes = await rawFile(
      [
        { name: 'root', num_children: 2 },
        { name: 'id', type: 'INT32', repetition_type: 'REQUIRED' },
        {
          name: 'span',
          type: 'FIXED_LEN_BYTE_ARRAY',
          type_length: 12,
          repetition_type: 'OPTIONAL',
          converted_type: 'INTERVAL',
        },
      ],
      [
        { name: 'id', data: [1, 2] },
        { name: 'span', data: [interval(14, 3, 3_600_000), null] },
      ],
    );
    expect(await read(bytes)).toEqual([
      { id: 1, span: { months: 14, days: 3, milliseconds: 3_600_000 } },
      { id: 2, span: null },
    ]);
    expect(await read(bytes, { projection: ['id'] })).toEqual([{ id: 1 }, { id: 2 }]);
  });
});

describe('derived schemas', () => {
  it('a column null throughout the first batch takes later values of any type', async () => {
    const output = new MemoryFileOutput();
    const writer = new ParquetWriterFormat<unknown>().createWriter(output);
    await writer.writeBatch([{ id: 1, flag: null }]);
    await writer.writeBatch([{ id: 2, flag: true }]);
    await writer.finish();
    expect(await read(output.bytes())).toEqual([
      { id: 1, flag: null },
      { id: 2, flag: true },
    ]);
  });

  it('a key first seen after the first batch becomes a column while no row group is written', async () => {
    const output = new MemoryFileOutput();
    const writer = new ParquetWriterFormat<unknown>().createWriter(output);
    await writer.writeBatch([{ id: 1 }]);
    await writer.writeBatch([
      { id: 2, late: null },
      { id: 3, late: 7n, other: 'x' },
    ]);
    await writer.writeBatch([{ id: 4, late: 8n, last: new Date(0) }]);
    await writer.finish();
    expect(await read(output.bytes())).toEqual([
      { id: 1, late: null, other: null, last: null },
      { id: 2, late: null, other: null, last: null },
      { id: 3, late: 7n, other: 'x', last: null },
      { id: 4, late: 8n, other: null, last: new Date(0) },
    ]);
  });

  it('a new key with a value after a row group is written fails the record, naming the key', async () => {
    const output = new MemoryFileOutput();
    const writer = new ParquetWriterFormat<unknown>({ rowGroupRows: 2 }).createWriter(output);
    await writer.writeBatch([{ id: 1 }, { id: 2 }]);
    // Null under a new key loses nothing (the column reads back as null): accepted.
    await writer.writeBatch([{ id: 3, gone: null }]);
    const error = await writer.writeBatch([{ id: 4, secret: 'value-not-in-message' }]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(hasErrorCode(error, 'TRIB_RECORD_INVALID')).toBe(true);
    const message = (error as Error).message;
    expect(message).toContain('Record 0 of the batch');
    expect(message).toContain('secret');
    expect(message).not.toContain('value-not-in-message');
    await writer.finish();
    expect(await read(output.bytes())).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
  });
});

describe('micro- and nanosecond timestamp columns', () => {
  it('write bigints since the epoch exactly and Dates scaled', async () => {
    const columns = [
      { name: 'us', type: 'timestamp-micros' },
      { name: 'ns', type: 'timestamp-nanos' },
    ] as const;
    const records = [
      { us: -500n, ns: -1n },
      { us: 253402300799999999n, ns: 9223372036854775807n },
      { us: new Date('1960-06-15T12:00:00.001Z'), ns: null },
    ];
    expect(await roundTrip({ columns: [...columns] }, records, { timestamps: 'string' })).toEqual([
      { us: '1969-12-31T23:59:59.999500Z', ns: '1969-12-31T23:59:59.999999999Z' },
      { us: '9999-12-31T23:59:59.999999Z', ns: '2262-04-11T23:47:16.854775807Z' },
      { us: '1960-06-15T12:00:00.001000Z', ns: null },
    ]);
  });
});

describe('inputs that are Node Buffers', () => {
  it('read from a Buffer view into a larger pool (what fs reads return)', async () => {
    const bytes = await rawFile(
      [
        { name: 'root', num_children: 1 },
        { name: 'n', type: 'INT32', repetition_type: 'REQUIRED' },
      ],
      [{ name: 'n', data: [1, 2, 3] }],
    );
    const pool = Buffer.alloc(bytes.length + 100);
    pool.set(bytes, 37);
    const view = pool.subarray(37, 37 + bytes.length);
    expect(await read(view)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });
});

describe('0-byte files', () => {
  it('fail as not Parquet instead of reading as empty', async () => {
    await expect(read(new Uint8Array(0))).rejects.toThrow(/Invalid Parquet file/);
  });
});

describe("int64As: 'number'", () => {
  it('also converts INT64 columns annotated INT_64 / INTEGER(64, signed), as DuckDB and Spark write them', async () => {
    const bytes = await rawFile(
      [
        { name: 'root', num_children: 2 },
        { name: 'a', type: 'INT64', repetition_type: 'REQUIRED', converted_type: 'INT_64' },
        {
          name: 'b',
          type: 'INT64',
          repetition_type: 'OPTIONAL',
          logical_type: { type: 'INTEGER', bitWidth: 64, isSigned: true },
        },
      ],
      [
        { name: 'a', data: [-9007199254740991n, 5n] },
        { name: 'b', data: [1n, null] },
      ],
    );
    expect(await read(bytes, { int64As: 'number' })).toEqual([
      { a: -9007199254740991, b: 1 },
      { a: 5, b: null },
    ]);
  });
});
