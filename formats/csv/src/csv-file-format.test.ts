import {
  type FileDeadLetter,
  hasErrorCode,
  isFileDeadLetter,
  MemoryFileInput,
  MemoryFileOutput,
  readAllRegions,
  readFileRegion,
  resumeFileRegion,
} from '@tributary/core';
import { rejectionOf } from '@tributary/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvFileFormat } from './csv-file-format.js';
import type { CsvFormatConfig } from './csv-format-options.js';
import { CsvWriterFormat } from './csv-writer-format.js';

async function writeCsv(options: CsvFormatConfig, records: readonly unknown[]): Promise<Uint8Array> {
  const output = new MemoryFileOutput();
  const writer = new CsvWriterFormat(options).createWriter(output);
  for (let i = 0; i < records.length; i += 5) {
    await writer.writeBatch(records.slice(i, i + 5));
    if (i % 10 === 0) await writer.flush();
  }
  await writer.finish();
  return output.bytes();
}

const columns = [
  { name: 'id', type: 'integer' },
  { name: 'name', type: 'string' },
  { name: 'price', type: 'number' },
  { name: 'active', type: 'boolean' },
  { name: 'day', type: 'date' },
  { name: 'at', type: 'timestamp' },
  { name: 'meta', type: 'json' },
] as const;

const DAY_MS = 86_400_000;
/** Strings that stress CSV: delimiters, quotes, escapes, line breaks, unicode, the null literal. */
const tricky = (lineBreaks: boolean) =>
  fc
    .oneof(
      fc.string({ unit: 'grapheme', maxLength: 12 }),
      fc.constantFrom(
        '',
        ',',
        ';',
        '\t',
        '|',
        '"',
        "'",
        '""',
        '\\',
        '\\N',
        ' a ',
        '𝄞',
        '\uFEFFx',
        'a\r\nb',
        '\n',
        '\r',
      ),
    )
    .filter((s) => lineBreaks || !/[\r\n]/.test(s));
const typedRecord = (lineBreaks: boolean) =>
  fc.record({
    id: fc.option(fc.maxSafeInteger(), { nil: null }),
    name: fc.option(tricky(lineBreaks), { nil: null }),
    price: fc.option(fc.double(), { nil: null }),
    active: fc.option(fc.boolean(), { nil: null }),
    day: fc.option(
      fc.integer({ min: -300_000, max: 2_900_000 }).map((d) => new Date(d * DAY_MS)),
      { nil: null },
    ),
    at: fc.option(
      fc.date({ min: new Date('1000-01-01'), max: new Date('9999-12-31'), noInvalidDate: true }),
      {
        nil: null,
      },
    ),
    meta: fc.option(
      fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown),
      { nil: null },
    ),
  });
const dialect = fc.record({
  delimiter: fc.constantFrom(',', ';', '\t', '|'),
  quote: fc.constantFrom('"', "'"),
  escape: fc.constantFrom(undefined, '\\'),
  header: fc.boolean(),
  lineEnding: fc.constantFrom('lf' as const, 'crlf' as const),
});

interface DialectCase {
  delimiter: string;
  quote: string;
  escape: string | undefined;
  header: boolean;
  lineEnding: 'lf' | 'crlf';
}

function optionsOf(d: DialectCase, extra: CsvFormatConfig = {}): CsvFormatConfig {
  return {
    delimiter: d.delimiter,
    quote: d.quote,
    header: d.header,
    lineEnding: d.lineEnding,
    nullLiteral: '\\N',
    columns: [...columns],
    ...(d.escape === undefined ? {} : { escape: d.escape }),
    ...extra,
  };
}

describe('CsvFileFormat', () => {
  it('reads a header, quoted fields with line breaks and CRLF, with line numbers', async () => {
    const text = 'id,text\r\n1,"a, b"\r\n\r\n2,"two\r\nlines ""q"""\r\n3,\r\n';
    const out = await readFileRegion(
      new CsvFileFormat({ header: true }),
      new MemoryFileInput(text, { chunkSize: 5 }),
    );
    expect(out.records).toEqual([
      { id: '1', text: 'a, b' },
      { id: '2', text: 'two\r\nlines "q"' },
      { id: '3', text: '' },
    ]);
    expect(out.lineNumbers).toEqual([2, 4, 6]);
    expect(out.positions.map((p) => p.offset)).toEqual([19, 43, 47]);
  });

  it('reads arrays of strings without names, and objects with given columns', async () => {
    const input = new MemoryFileInput('a,b\n1,2\n');
    expect((await readFileRegion(new CsvFileFormat(), input)).records).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
    const typed = await readFileRegion(
      new CsvFileFormat({ header: true, columns: [{ name: 'x', type: 'integer' }, 'y'] }),
      input,
    );
    expect(typed.records).toEqual([{ x: 1, y: '2' }]);
  });

  it('names file, line, column and field on conversion errors', async () => {
    const input = new MemoryFileInput('id,price\n1,2.5\n2,cheap-secret-price\n', { path: 'prices.csv' });
    const format = new CsvFileFormat({
      header: true,
      columns: [
        { name: 'id', type: 'integer' },
        { name: 'price', type: 'number' },
      ],
    });
    const error = await rejectionOf(readFileRegion(format, input));
    expect(hasErrorCode(error, 'TRIB_RECORD_INVALID')).toBe(true);
    expect(error.message).toBe(
      "Invalid CSV record: not a number, expected number (at file 'prices.csv', line 3, column 2, field 'price')",
    );
    expect(error.context).toMatchObject({
      file: 'prices.csv',
      line: 3,
      column: 2,
      field: 'price',
      byteOffset: 15,
    });
  });

  it('skips and counts bad records in skip-and-count mode', async () => {
    const input = new MemoryFileInput('1,2\n3\n"x"y,4\n5,6\n"open,7');
    const out = await readFileRegion(
      new CsvFileFormat({ columns: ['a', 'b'], errors: 'skip-and-count' }),
      input,
    );
    expect(out.records).toEqual([
      { a: '1', b: '2' },
      { a: '5', b: '6' },
    ]);
    expect(out.skippedErrors).toBe(3);
  });

  it('puts a FileDeadLetter with the whole record text in place of each bad record in dead-letter mode', async () => {
    // A header over two lines; bad: a short record, a stray quote, a mistyped int, and an unclosed
    // quote that runs to the end.
    const text = '"a\r\n",b\r\n3\r\n1,2\r\n"x"y,4\r\n"multi\r\nline",z\r\n5,6\r\n"open,7\r\nmore';
    const input = new MemoryFileInput(text, { path: 'in.csv' });
    const format = new CsvFileFormat<{ a: string; b: number } | FileDeadLetter>({
      header: true,
      columns: [
        { name: 'a', type: 'string' },
        { name: 'b', type: 'integer' },
      ],
      errors: 'dead-letter',
    });
    const out = await readFileRegion(format, input);
    const shown = out.records.map((r) => (isFileDeadLetter(r) ? { dead: r.raw, line: r.line } : r));
    expect(shown).toEqual([
      { dead: '3', line: 3 },
      { a: '1', b: 2 },
      { dead: '"x"y,4', line: 5 },
      { dead: '"multi\r\nline",z', line: 6 },
      { a: '5', b: 6 },
      { dead: '"open,7\r\nmore', line: 9 },
    ]);
    expect(out.deadLetters).toBe(4);
    const multi = out.records[3] as FileDeadLetter;
    expect(multi.raw).toBe('"multi\r\nline",z');
    expect(multi.offset).toBe(text.indexOf('"multi'));
    expect(multi.error.message).toContain("(at file 'in.csv', line 6, column 2, field 'b')");
    expect(out.positions.at(-1)?.offset).toBe(text.length);
    // Resuming after any record or dead letter yields exactly the rest.
    for (let k = 0; k < out.records.length; k++) {
      const rest = await resumeFileRegion(format, input, out.positions[k]);
      expect(rest.records.map((r) => (isFileDeadLetter(r) ? r.raw : r))).toEqual(
        out.records.slice(k + 1).map((r) => (isFileDeadLetter(r) ? r.raw : r)),
      );
    }
  });

  it('is splittable only without line breaks in quoted fields', () => {
    expect(new CsvFileFormat().splittable).toBe(false);
    expect(new CsvFileFormat({ newlinesInQuotedFields: false }).splittable).toBe(true);
  });

  it('reads the header names in a region that starts after the header', async () => {
    const input = new MemoryFileInput('"k",v\n1,a\n2,b\n3,c\n');
    const format = new CsvFileFormat({ header: true, newlinesInQuotedFields: false });
    const out = await readFileRegion(format, input, { start: 7, end: undefined });
    expect(out.records).toEqual([
      { k: '2', v: 'b' },
      { k: '3', v: 'c' },
    ]);
  });

  it('rejects bad options naming the key', () => {
    expect(() => new CsvFileFormat({ delimiter: ';;' })).toThrow(/format\.csv\.delimiter/);
    expect(() => new CsvFileFormat({ delimiter: '"' })).toThrow(/must be different characters/);
    expect(() => new CsvFileFormat({ nullLiteral: 'a,b' })).toThrow(/format\.csv\.nullLiteral/);
  });

  it('write → read returns typed records in any dialect (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        dialect,
        fc.array(typedRecord(true), { maxLength: 15 }),
        fc.integer({ min: 1, max: 64 }),
        async (d, records, chunkSize) => {
          const options = optionsOf(d);
          const input = new MemoryFileInput(await writeCsv(options, records), { chunkSize });
          expect((await readFileRegion(new CsvFileFormat(options), input)).records).toEqual(records);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('round-trips string arrays without names (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(tricky(true), { minLength: 1, maxLength: 4 }), { maxLength: 10 }),
        async (rows) => {
          const input = new MemoryFileInput(await writeCsv({}, rows), { chunkSize: 7 });
          expect((await readFileRegion(new CsvFileFormat(), input)).records).toEqual(rows);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('resumes exactly after any record, also inside multi-line records (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        dialect,
        fc.array(typedRecord(true), { minLength: 1, maxLength: 12 }),
        fc.nat(),
        async (d, records, pick) => {
          const options = optionsOf(d);
          const format = new CsvFileFormat(options);
          const input = new MemoryFileInput(await writeCsv(options, records), { chunkSize: 13 });
          const all = await readFileRegion(format, input);
          const k = pick % records.length;
          const rest = await resumeFileRegion(format, input, all.positions[k]);
          expect(rest.records).toEqual(records.slice(k + 1));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('reading all regions yields every record exactly once (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        dialect,
        fc.array(typedRecord(false), { maxLength: 15 }),
        fc.array(fc.nat({ max: 3000 }), { maxLength: 8 }),
        async (d, records, cuts) => {
          const options = optionsOf(d, { newlinesInQuotedFields: false });
          const format = new CsvFileFormat(options);
          const input = new MemoryFileInput(await writeCsv(options, records), { chunkSize: 11 });
          const got = await readAllRegions(format, input, cuts);
          expect(got).toEqual(records);
        },
      ),
      { numRuns: 60 },
    );
  });
});
