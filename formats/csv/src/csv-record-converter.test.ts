import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { plainDecimal } from './csv-column-types.js';
import type { CsvColumn } from './csv-format-options.js';
import { type CsvDialect, CsvRecordAssembler } from './csv-record-assembler.js';
import { BAD_RECORD, CsvRecordConverter } from './csv-record-converter.js';

const dialect = (nullLiteral: string | undefined): CsvDialect => ({
  delimiter: ',',
  quote: '"',
  escape: '"',
  nullLiteral,
  newlinesInQuotedFields: true,
});

// Text a numeric, date or string column may meet: the plain decimals the in-place readers take and
// everything they must leave to Number() and the general parsers (exponents, signs, spaces, hex,
// special values, too many digits, non-ASCII digits, nulls).
const TRICKY = [
  '',
  '0',
  '-0',
  '+0',
  '-0.0',
  '0.000',
  '00012',
  '+7',
  '-7',
  '.5',
  '-.5',
  '5.',
  '.',
  '-',
  '+',
  '--1',
  '1.2.3',
  '1e5',
  '1E5',
  '-1.5e-3',
  '+2.5E+2',
  'e5',
  ' 1',
  '1 ',
  '\t2',
  '0x1F',
  '0b11',
  'Infinity',
  '-inf',
  'NaN',
  'nan',
  '1_000',
  '٣',
  '1.0',
  '1.5',
  '200.05',
  '0.1',
  '123456789012345',
  '1234567890123456',
  '12345678901234.5',
  '9007199254740993',
  '999999999999999.9',
  '2024-05-01',
  '2024-02-30',
  '2024-2-03',
  '0099-01-01',
  '2024-05-01T10:00:00Z',
  '1714557600000',
  'true',
  'FALSE',
  'abc',
  '\\N',
  'NULL',
  '{}',
  'null',
  '[]',
];

const field = fc.oneof(
  fc.constantFrom(...TRICKY),
  fc.integer().map(String),
  fc.double().map(String),
  fc
    .tuple(fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }), fc.integer({ min: 0, max: 18 }))
    .map(([digits, scale]) => {
      const text = (digits < 0n ? -digits : digits).toString().padStart(scale + 1, '0');
      const point = text.length - scale;
      return `${digits < 0n ? '-' : ''}${text.slice(0, point)}${scale > 0 ? `.${text.slice(point)}` : ''}`;
    }),
  fc.string({ maxLength: 8 }).filter((s) => !/[",\r\n]/.test(s)),
);

const TYPES = ['integer', 'number', 'date', 'string', 'boolean', 'json', 'timestamp'] as const;
const column = fc.record({ type: fc.constantFrom(...TYPES), nullable: fc.boolean() });

/** The general path: the fields cut as substrings, then converted one by one. */
function viaFields(columns: CsvColumn[], nullLiteral: string | undefined, line: string) {
  const assembler = new CsvRecordAssembler(dialect(nullLiteral));
  expect(assembler.feed(line)).toBe(true);
  const converter = new CsvRecordConverter(columns, undefined, nullLiteral);
  const value = converter.convert(assembler.fields);
  return value === BAD_RECORD ? { bad: { ...converter.problem } } : value;
}

/** The in-place path the file reader takes for a line without quotes. */
function inPlace(columns: CsvColumn[], nullLiteral: string | undefined, line: string) {
  const assembler = new CsvRecordAssembler(dialect(nullLiteral));
  expect(assembler.feed(line)).toBe(true);
  expect(assembler.plainLine).toBe(line);
  const converter = new CsvRecordConverter(columns, undefined, nullLiteral);
  const value = converter.convertAssembled(assembler);
  return value === BAD_RECORD ? { bad: { ...converter.problem } } : value;
}

describe('CsvRecordConverter on plain lines (fields read in place)', () => {
  it('gives the same records and problems as converting substrings (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(column, field), { minLength: 1, maxLength: 8 }),
        fc.constantFrom(undefined, '', '\\N', 'NULL'),
        fc.boolean(),
        fc.integer({ min: -1, max: 1 }),
        (cells, nullLiteral, crlf, extraFields) => {
          const columns = cells.map(([c], i) => ({ name: `c${i}`, ...c }));
          const texts = cells.map(([, text]) => text);
          // Now and then a field more or less than the columns, for the count check.
          if (extraFields > 0) texts.push('x');
          if (extraFields < 0 && texts.length > 1) texts.pop();
          const line = texts.join(',') + (crlf ? '\r' : '');
          expect(inPlace(columns, nullLiteral, line)).toEqual(viaFields(columns, nullLiteral, line));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('reads a demo order row, CRLF, empty and null fields', () => {
    const columns: CsvColumn[] = [
      { name: 'id', type: 'integer', nullable: false },
      { name: 'day', type: 'date', nullable: true },
      { name: 'who', type: 'string', nullable: true },
      { name: 'qty', type: 'integer', nullable: true },
      { name: 'price', type: 'number', nullable: true },
    ];
    expect(inPlace(columns, undefined, '17,2024-05-01,Li Wei,-3,200.05\r')).toEqual({
      id: 17,
      day: new Date('2024-05-01T00:00:00Z'),
      who: 'Li Wei',
      qty: -3,
      price: 200.05,
    });
    expect(inPlace(columns, '\\N', '1,\\N,,\\N,-1.5e-3')).toEqual({
      id: 1,
      day: null,
      who: '',
      qty: null,
      price: -0.0015,
    });
    expect(inPlace(columns, undefined, ',2024-05-01,a,1,2')).toEqual({
      bad: { reason: 'empty or null value in a non-nullable column', column: 1, field: 'id' },
    });
    expect(inPlace(columns, undefined, '1,2024-05-01,a,1.5,2')).toEqual({
      bad: { reason: 'not an integer (or beyond ±2^53), expected integer', column: 4, field: 'qty' },
    });
    expect(inPlace(columns, undefined, '1,2024-05-01,a,1')).toEqual({
      bad: { reason: 'expected 5 fields, got 4', column: 5, field: 'price' },
    });
  });

  it('reads a one-line quoted record in place too: same fields and records as the field list (property)', () => {
    // A cell: its text and whether it is written quoted; quoted text may hold delimiters and, now and
    // then, a doubled quote (read in place too, then unescaped), in columns of every type.
    const cell = fc.oneof(
      field.map((text) => ({ text, quoted: false })),
      fc
        .oneof(
          field,
          fc.constantFrom(
            'Smith, John',
            ',',
            '',
            'a"b',
            '"',
            'NULL',
            '\\N',
            ' 1,5',
            '"5"',
            '""',
            '2024-05-01"',
          ),
        )
        .map((text) => ({ text, quoted: true })),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(column, cell), { minLength: 1, maxLength: 8 }),
        fc.constantFrom(undefined, '', '\\N', 'NULL'),
        fc.boolean(),
        (cells, nullLiteral, crlf) => {
          const columns = cells.map(([c], i) => ({ name: `c${i}`, ...c }));
          const line =
            cells
              .map(([, { text, quoted }]) => (quoted ? `"${text.replaceAll('"', '""')}"` : text))
              .join(',') + (crlf ? '\r' : '');
          // What the fields are, by the CSV rules: the null literal only unquoted.
          const expected = cells.map(([, { text, quoted }]) =>
            !quoted && text === nullLiteral ? null : text,
          );
          const assembler = new CsvRecordAssembler(dialect(nullLiteral));
          expect(assembler.feed(line)).toBe(true);
          // No cell holds a line break, so every record is read in place.
          expect(assembler.quotedLine ?? assembler.plainLine).toBe(line);
          const converter = new CsvRecordConverter(columns, undefined, nullLiteral);
          const value = converter.convertAssembled(assembler);
          const actual = value === BAD_RECORD ? { bad: { ...converter.problem } } : value;
          const reference = new CsvRecordConverter(columns, undefined, nullLiteral);
          const referenceValue = reference.convert(expected);
          expect(actual).toEqual(
            referenceValue === BAD_RECORD ? { bad: { ...reference.problem } } : referenceValue,
          );
          const again = new CsvRecordAssembler(dialect(nullLiteral));
          again.feed(line);
          expect(again.fields).toEqual(expected);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("reads the demo's quoted names and escaped quotes in place, leaves malformed quoting to the scanner", () => {
    const assembler = new CsvRecordAssembler(dialect(undefined));
    const columns: CsvColumn[] = [
      { name: 'id', type: 'integer', nullable: false },
      { name: 'who', type: 'string', nullable: true },
      { name: 'said', type: 'string', nullable: true },
      { name: 'price', type: 'number', nullable: true },
    ];
    expect(assembler.feed('1,"Smith, John","say ""hi""",2.5')).toBe(true);
    expect(assembler.plainLine).toBeUndefined();
    expect(assembler.quotedLine).toBe('1,"Smith, John","say ""hi""",2.5');
    expect([...assembler.fieldQuoted.subarray(0, 4)]).toEqual([0, 1, 2, 0]);
    const converter = new CsvRecordConverter(columns, undefined, undefined);
    expect(converter.convertAssembled(assembler)).toEqual({
      id: 1,
      who: 'Smith, John',
      said: 'say "hi"',
      price: 2.5,
    });
    expect(assembler.feed('2,"Smith, John",,"2.5"')).toBe(true);
    expect(assembler.quotedLine).toBe('2,"Smith, John",,"2.5"');
    expect(converter.convertAssembled(assembler)).toEqual({
      id: 2,
      who: 'Smith, John',
      said: '',
      price: 2.5,
    });
    // Text after a closing quote, an unterminated quote: the scanner's problems, as before.
    expect(assembler.feed('3,"a"b,c,1')).toBe(true);
    expect(assembler.quotedLine).toBeUndefined();
    expect(assembler.problem).toBe('unexpected text after a closing quote');
    expect(assembler.feed('4,"a""b"c,x,1')).toBe(true);
    expect(assembler.quotedLine).toBeUndefined();
    expect(assembler.problem).toBe('unexpected text after a closing quote');
    // An escaped field of a typed column converts its unescaped text, as the field list does.
    expect(assembler.feed('5,"""",x,"""1"""')).toBe(true);
    expect(assembler.quotedLine).toBe('5,"""",x,"""1"""');
    expect(converter.convertAssembled(assembler)).toBe(BAD_RECORD);
    expect(converter.problem).toEqual({ reason: 'not a number, expected number', column: 4, field: 'price' });
    expect(assembler.feed('6,"""",x,1')).toBe(true);
    expect(converter.convertAssembled(assembler)).toEqual({ id: 6, who: '"', said: 'x', price: 1 });
  });

  it('shares a repeated short string between records, and never mixes up columns or lengths', () => {
    const columns: CsvColumn[] = [
      { name: 'a', type: 'string', nullable: true },
      { name: 'b', type: 'string', nullable: true },
    ];
    const converter = new CsvRecordConverter(columns, undefined, undefined);
    const read = (line: string) => {
      const assembler = new CsvRecordAssembler(dialect(undefined));
      assembler.feed(line);
      return converter.convertAssembled(assembler) as Record<string, string>;
    };
    const first = read('FR,FR');
    const second = read('xFR,FR');
    expect(second).toEqual({ a: 'xFR', b: 'FR' });
    expect(second.b).toBe(first.b);
    const third = read('"FR",F');
    expect(third).toEqual({ a: 'FR', b: 'F' });
    const long = 'a very long field text';
    expect(read(`${long},${long}`)).toEqual({ a: long, b: long });
  });
});

describe('plainDecimal', () => {
  it('reads plain decimals exactly as Number() does, and nothing else (property)', () => {
    const decimalText = fc.oneof(
      fc.constantFrom(...TRICKY),
      fc.double().map(String),
      fc.stringMatching(/^[+-]?\d{0,17}(\.\d{0,17})?$/),
    );
    fc.assert(
      fc.property(decimalText, (text) => {
        const n = plainDecimal(text, 0, text.length);
        if (!Number.isNaN(n)) expect(n).toBe(Number(text));
        // Every plain decimal of at most 15 digits takes the fast path.
        const digits = text.replace(/[^0-9]/g, '').length;
        if (/^[+-]?(\d+\.?\d*|\.\d+)$/.test(text) && digits <= 15) expect(n).not.toBeNaN();
      }),
      { numRuns: 5000 },
    );
  });

  it('keeps the sign of zero and reads inside a longer line', () => {
    expect(Object.is(plainDecimal('-0', 0, 2), -0)).toBe(true);
    expect(Object.is(plainDecimal('-0.00', 0, 5), -0)).toBe(true);
    expect(plainDecimal('x,200.05,y', 2, 8)).toBe(200.05);
    expect(plainDecimal('1e5', 0, 3)).toBeNaN();
    expect(plainDecimal('', 0, 0)).toBeNaN();
    expect(plainDecimal('1234567890123456', 0, 16)).toBeNaN();
  });
});

it('makes records that are plain objects, whichever path read them', () => {
  const columns: CsvColumn[] = [
    { name: 'id', type: 'integer', nullable: false },
    { name: 'who', type: 'string', nullable: true },
  ];
  const converter = new CsvRecordConverter(columns, undefined, undefined);
  const assembler = new CsvRecordAssembler(dialect(undefined));
  const records = ['1,a', '2,"b"', '3,"b""c"', '4,"d\r'].map((line) => {
    assembler.feed(line);
    if (assembler.pending) assembler.finish();
    return assembler.problem === undefined
      ? converter.convertAssembled(assembler)
      : converter.convert(assembler.fields);
  });
  records.push(converter.convert(['5', 'e']));
  for (const record of records) {
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    expect((record as object).constructor).toBe(Object);
    expect(Object.keys(record as object)).toEqual(['id', 'who']);
  }
  expect(records[2]).toStrictEqual({ id: 3, who: 'b"c' });
  expect(records[3]).toStrictEqual({ id: 4, who: 'd' });
});
