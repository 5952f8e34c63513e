import { describe, expect, it } from 'vitest';
import { type CsvDialect, CsvRecordAssembler } from './csv-record-assembler.js';

const rfc: CsvDialect = {
  delimiter: ',',
  quote: '"',
  escape: '"',
  nullLiteral: undefined,
  newlinesInQuotedFields: true,
};

/** Feeds lines, returning each completed record's fields (and problem, if any). */
function parse(lines: string[], dialect: CsvDialect = rfc) {
  const assembler = new CsvRecordAssembler(dialect);
  const out: { fields: (string | null)[]; problem?: string; lines: number }[] = [];
  const take = () =>
    out.push({
      fields: assembler.fields,
      lines: assembler.lineCount,
      ...(assembler.problem === undefined ? {} : { problem: assembler.problem }),
    });
  for (const line of lines) if (assembler.feed(line)) take();
  if (assembler.finish()) take();
  return out;
}

describe('CsvRecordAssembler', () => {
  it('splits plain and quoted fields (RFC 4180)', () => {
    expect(parse(['a,b,c', '"x,1","say ""hi""",', ',,'])).toEqual([
      { fields: ['a', 'b', 'c'], lines: 1 },
      { fields: ['x,1', 'say "hi"', ''], lines: 1 },
      { fields: ['', '', ''], lines: 1 },
    ]);
  });

  it('drops the CR of CRLF outside quotes and keeps it inside', () => {
    expect(parse(['a,b\r', '"multi\r', 'line",z\r'])).toEqual([
      { fields: ['a', 'b'], lines: 1 },
      { fields: ['multi\r\nline', 'z'], lines: 2 },
    ]);
  });

  it('assembles records with line breaks inside quotes', () => {
    expect(parse(['1,"first', '', 'third ""q""', 'end",2', '3,4'])).toEqual([
      { fields: ['1', 'first\n\nthird "q"\nend', '2'], lines: 4 },
      { fields: ['3', '4'], lines: 1 },
    ]);
  });

  it('reads the null literal only unquoted', () => {
    const dialect = { ...rfc, nullLiteral: '\\N' };
    expect(parse(['\\N,"\\N",a', 'x,\\N'], dialect)).toEqual([
      { fields: [null, '\\N', 'a'], lines: 1 },
      { fields: ['x', null], lines: 1 },
    ]);
    expect(parse([',""', '"",'], { ...rfc, nullLiteral: '' })).toEqual([
      { fields: [null, ''], lines: 1 },
      { fields: ['', null], lines: 1 },
    ]);
  });

  it('supports an escape character distinct from the quote', () => {
    const dialect = { ...rfc, escape: '\\' };
    expect(parse(['"a\\"b","c\\\\d",e\\f'], dialect)).toEqual([
      { fields: ['a"b', 'c\\d', 'e\\f'], lines: 1 },
    ]);
  });

  it('supports other delimiters and quotes', () => {
    expect(parse(["a;'b;c';'it''s'"], { ...rfc, delimiter: ';', quote: "'", escape: "'" })).toEqual([
      { fields: ['a', 'b;c', "it's"], lines: 1 },
    ]);
    expect(parse(['a\tb\t"c\td"'], { ...rfc, delimiter: '\t' })).toEqual([
      { fields: ['a', 'b', 'c\td'], lines: 1 },
    ]);
  });

  it('reports malformed records but still finds where they end', () => {
    expect(parse(['"ab"c,d', 'e,f'])).toEqual([
      { fields: ['abc', 'd'], problem: 'unexpected text after a closing quote', lines: 1 },
      { fields: ['e', 'f'], lines: 1 },
    ]);
    expect(parse(['a,"open', 'still'])).toEqual([
      { fields: ['a', 'open\nstill'], problem: 'unterminated quoted field at end of input', lines: 2 },
    ]);
    expect(parse(['a,"open', 'b,c'], { ...rfc, newlinesInQuotedFields: false })).toEqual([
      {
        fields: ['a', 'open'],
        problem: 'line break inside a quoted field (newlinesInQuotedFields is false)',
        lines: 1,
      },
      { fields: ['b', 'c'], lines: 1 },
    ]);
  });

  it('keeps a plain line as field ranges (CRLF excluded) and cuts them when fields are read', () => {
    const assembler = new CsvRecordAssembler({ ...rfc, nullLiteral: 'NA' });
    expect(assembler.feed('12,,NA,x\r')).toBe(true);
    expect(assembler.plainLine).toBe('12,,NA,x\r');
    expect(assembler.fieldCount).toBe(4);
    expect(Array.from(assembler.fieldEnds.subarray(0, 4))).toEqual([2, 3, 6, 8]);
    expect(assembler.fields).toEqual(['12', '', null, 'x']);
    expect(assembler.fields).toEqual(['12', '', null, 'x']);
    // A quoted record is not plain; the next plain line is again.
    expect(assembler.feed('"a",b')).toBe(true);
    expect(assembler.plainLine).toBeUndefined();
    expect(assembler.fields).toEqual(['a', 'b']);
    const wide = Array.from({ length: 40 }, (_, i) => String(i));
    expect(assembler.feed(wide.join(','))).toBe(true);
    expect(assembler.fieldCount).toBe(40);
    expect(assembler.fields).toEqual(wide);
  });
});
