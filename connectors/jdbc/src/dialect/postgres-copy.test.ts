import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { BigDecimal } from './big-decimal.js';
import { copyFieldEncoder, escapeCopyText } from './postgres-copy.js';
import { postgresDialect } from './postgres-dialect.js';

const prepareValue = (value: unknown) =>
  (pg as unknown as { utils: { prepareValue(v: unknown): unknown } }).utils.prepareValue(value);
const encoder = (columnType: string) =>
  copyFieldEncoder(
    postgresDialect.parameterEncoder(columnType),
    prepareValue,
    columnType === 'json' || columnType === 'jsonb',
  );

/**
 * COPY text-format field decoding as the server does it (the test's oracle, written from the
 * PostgreSQL docs, "COPY … Text Format"): `\N` alone is NULL; `\\`, `\t`, `\n`, `\r` are the
 * characters; any other backslash-char is that char.
 */
function decodeField(field: string): string | null {
  if (field === '\\N') return null;
  let out = '';
  for (let i = 0; i < field.length; i++) {
    const c = field[i] as string;
    if (c === '\t' || c === '\n' || c === '\r') throw new Error(`unescaped ${JSON.stringify(c)} in a field`);
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = field[++i];
    out += next === 't' ? '\t' : next === 'n' ? '\n' : next === 'r' ? '\r' : (next as string);
  }
  return out;
}

describe('COPY text encoding', () => {
  it('escapes backslashes, tabs, newlines and carriage returns; leaves the rest as is', () => {
    expect(escapeCopyText('plain text «ünï» 😀')).toBe('plain text «ünï» 😀');
    expect(escapeCopyText('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    // A string that looks like NULL or an escape stays that string.
    expect(escapeCopyText('\\N')).toBe('\\\\N');
    expect(escapeCopyText('\\.')).toBe('\\\\.');
  });

  it('round-trips every string through the server-side decoding, specials anywhere', () => {
    const alphabet = ['\\', '\t', '\n', '\r', 'N', '.', 'x', 'é', '😀', ' ', '\u0001', '\b', '\f', '\v'];
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const text = encoder('text');
    for (let n = 0; n < 2000; n++) {
      let s = '';
      const length = Math.floor(random() * 12);
      for (let i = 0; i < length; i++) s += alphabet[Math.floor(random() * alphabet.length)];
      expect(decodeField(text(s))).toBe(s);
    }
  });

  it('encodes each value as the text the server parses for a bound parameter', () => {
    const text = encoder('text');
    expect(text(null)).toBe('\\N');
    expect(text(undefined)).toBe('\\N');
    expect(text('\\N')).toBe('\\\\N');
    expect(text(42)).toBe('42');
    expect(text(-1.5e-7)).toBe('-1.5e-7');
    expect(text(2n ** 63n - 1n)).toBe('9223372036854775807');
    expect(text(true)).toBe('true');
    expect(text(BigDecimal.parse('12345678901234567890.0123456789'))).toBe('12345678901234567890.0123456789');
    // bytea: hex input text, its backslash escaped for COPY.
    expect(decodeField(text(Buffer.from([0, 9, 10, 92, 255])))).toBe('\\x00090a5cff');
    expect(decodeField(text(new Uint8Array([1, 2])))).toBe('\\x0102');
    const at = new Date(Date.UTC(2024, 4, 1, 10, 0, 0, 7));
    expect(text(at)).toBe(prepareValue(at));
    // Arrays as pg writes them, then escaped: the tab inside an element survives.
    expect(decodeField(text(['x', 'y\t1', null]))).toBe('{"x","y\t1",NULL}');
  });

  it('JSON columns: JSON text of objects, arrays and numbers; a string is taken as JSON text already', () => {
    const json = encoder('jsonb');
    const doc = { text: 'a\tb\\c', list: [1, 'two'], big: 2n ** 60n };
    expect(JSON.parse(decodeField(json(doc)) as string)).toEqual({
      text: 'a\tb\\c',
      list: [1, 'two'],
      big: '1152921504606846976',
    });
    expect(json(5)).toBe('5');
    expect(json('{"a":1}')).toBe('{"a":1}');
    expect(json(null)).toBe('\\N');
  });
});
