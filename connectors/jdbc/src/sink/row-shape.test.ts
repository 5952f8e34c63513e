import { describe, expect, it } from 'vitest';
import {
  type CopyFieldEncoder,
  escapingStringsAndNumbers,
  passingStringsAndNumbers,
  type Row,
  type ValueEncoder,
} from '../dialect/dialect.js';
import { copyFieldEncoder } from '../dialect/postgres-copy.js';
import { compileCopyLines, compileFill, copyLineGeneric, fillGeneric, RowShape } from './row-shape.js';

/** Awkward column names: quotes, a backslash, a newline, a template and a line separator. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a column name that would run code if it entered the source as code.
const columns = ['id', 'it\'s "x"', 'a\\b', 'new\nline', '${process.exit(1)}', 'ls\u2028ps'];
const encoders: ValueEncoder[] = columns.map(
  (_, i) => (value) =>
    value === null ? null : typeof value === 'number' ? value * 10 + i : `${String(value)}#${i}`,
);

function exact(id: number): Row {
  const row: Row = {};
  for (const c of columns) row[c] = c === 'id' ? id : `${c}-${id}`;
  return row;
}

/** Rows the check must send to `rest`, and some it must keep. */
function rows(): Row[] {
  const out: Row[] = [];
  for (let id = 0; id < 6; id++) out.push(exact(id));
  out.push({ ...exact(6), extra: 1 }); // an unknown field
  const missing = exact(7);
  delete missing['a\\b'];
  out.push(missing);
  out.push({ ...exact(8), id: undefined }); // an undefined field (the column's default)
  const reordered: Row = {};
  for (const c of [...columns].reverse()) reordered[c] = exact(9)[c];
  out.push(reordered);
  // An inherited enumerable field: for…in lists it, so the row takes the general path.
  const inherited = Object.create({ inheritedField: 1 }) as Row;
  Object.assign(inherited, exact(10));
  out.push(inherited);
  // A getter among own fields reads like a value.
  const getter = exact(11);
  Object.defineProperty(getter, 'a\\b', { get: () => 'from-getter', enumerable: true });
  out.push(getter);
  out.push({ ...exact(12), id: null, 'new\nline': null });
  out.push({ ...exact(13), 'new\nline': null });
  return out;
}

function run(fill: 'compiled' | 'generic', input: Row[], indices: number[] | undefined, withRest: boolean) {
  const shape = new RowShape(columns, encoders, undefined);
  const chunks: { to: number; rows: number; bytes: number; values: unknown[] }[] = [];
  const rest: number[] | undefined = withRest ? [] : undefined;
  const end = indices === undefined ? input.length : indices.length;
  const compiled = compileFill(columns, encoders);
  for (let from = 0; from < end; ) {
    const out = new Array<unknown>(4 * columns.length).fill('unset');
    const to =
      fill === 'compiled'
        ? compiled(shape, input, indices, from, end, 4, out, rest)
        : fillGeneric(shape, columns, encoders, input, indices, from, end, 4, out, rest);
    chunks.push({
      to,
      rows: shape.chunkRows,
      bytes: shape.chunkBytes,
      values: out.slice(0, shape.chunkRows * columns.length),
    });
    from = to;
  }
  return { chunks, rest };
}

describe('RowShape encoding loop', () => {
  it('compiled per shape, checks and encodes exactly as the generic loop does', () => {
    const input = rows();
    const reversed = input.map((_, i) => input.length - 1 - i);
    for (const indices of [undefined, reversed]) {
      for (const withRest of [true, false]) {
        const compiled = run('compiled', input, indices, withRest);
        expect(compiled).toEqual(run('generic', input, indices, withRest));
        if (withRest) {
          // Rows 6–10 (extra, missing, undefined, reordered, inherited) take the general path.
          expect([...(compiled.rest as number[])].sort((a, b) => a - b)).toEqual([6, 7, 8, 9, 10]);
        }
      }
    }
    const first = run('compiled', input, undefined, true).chunks[0];
    expect(first?.values.slice(0, columns.length)).toEqual(
      columns.map((c, i) => (c === 'id' ? i : `${c}-0#${i}`)),
    );
  });

  it('writes the counts of the last chunk to the shape through fillChunk', () => {
    const shape = new RowShape(columns, encoders, undefined);
    const out: unknown[] = [];
    const rest: number[] = [];
    const input = rows();
    expect(shape.fillChunk(input, undefined, 0, input.length, 100, out, rest)).toBe(input.length);
    expect(shape.chunkRows).toBe(input.length - 5);
    expect(rest).toEqual([6, 7, 8, 9, 10]);
  });

  it('compiles COPY lines that check and encode exactly as the generic ones do', () => {
    const copyEncoders: CopyFieldEncoder[] = columns.map(
      (_, i) => (value) => (value === null ? '\\N' : `${String(value).replaceAll('\n', '\\n')}:${i}`),
    );
    const compiled = compileCopyLines(columns, copyEncoders);
    const input = rows();
    const checked = input.map((row) => compiled.checked(row));
    expect(checked).toEqual(input.map((row) => copyLineGeneric(columns, copyEncoders, row, true)));
    expect(checked.flatMap((line, i) => (line === undefined ? [i] : []))).toEqual([6, 7, 8, 9, 10]);
    expect(checked[0]).toBe(
      `0:0\t${columns
        .slice(1)
        .map((c, i) => `${c.replaceAll('\n', '\\n')}-0:${i + 1}`)
        .join('\t')}\n`,
    );
    expect(input.map((row) => compiled.byName(row))).toEqual(
      input.map((row) => copyLineGeneric(columns, copyEncoders, row, false)),
    );
  });

  it('binds strings and numbers itself for encoders that pass them through, and calls the encoder for other values', () => {
    const seen: unknown[] = [];
    const passing = passingStringsAndNumbers((value) => {
      seen.push(value);
      return typeof value === 'string' || typeof value === 'number'
        ? value
        : value === true
          ? 1
          : value instanceof Uint8Array
            ? value
            : null;
    });
    const cols = ['a', 'b'];
    const shape = new RowShape(cols, [passing, passing], undefined);
    const bytes = new Uint8Array(5);
    const input: Row[] = [
      { a: 7, b: 'text' },
      { a: true, b: null },
      { a: 1.5, b: bytes },
    ];
    const compiled = new Array<unknown>(6);
    expect(shape.fillChunk(input, undefined, 0, 3, 3, compiled, [])).toBe(3);
    expect(compiled).toEqual([7, 'text', 1, null, 1.5, bytes]);
    // 8 per number, a string's length, 8 per other value, a binary's size.
    expect(shape.chunkBytes).toBe(8 + 4 + 8 + 8 + 8 + 5);
    expect(seen).toEqual([true, null, bytes]);
    // The same values and bytes as the generic loop, which calls the encoder for every value.
    const generic = new Array<unknown>(6);
    fillGeneric(shape, cols, [passing, passing], input, undefined, 0, 3, 3, generic, []);
    expect(generic).toEqual(compiled);
    expect(shape.chunkBytes).toBe(8 + 4 + 8 + 8 + 8 + 5);
  });

  it('writes strings (escaped) and numbers of COPY encoders that mark them inline, and calls the encoder for other values', () => {
    const seen: unknown[] = [];
    const real = copyFieldEncoder(
      (value) => (value === undefined ? null : value),
      (value) => (value instanceof Date ? value.toISOString() : value),
      false,
    );
    const marked = escapingStringsAndNumbers((value) => {
      seen.push(value);
      return real(value);
    });
    const cols = ['a', 'b', 'c'];
    const input: Row[] = [
      { a: 'tab\there', b: 'new\nline\rcr', c: 'back\\slash \\N' },
      { a: 42, b: -1.5e-7, c: Number.NaN },
      { a: null, b: 2n ** 63n, c: new Date(Date.UTC(2024, 0, 2)) },
      { a: 'plain «ü» 😀', b: -0, c: Number.POSITIVE_INFINITY },
    ];
    const compiled = compileCopyLines(cols, [marked, marked, marked]);
    const lines = input.map((row) => compiled.checked(row));
    expect(lines).toEqual([
      'tab\\there\tnew\\nline\\rcr\tback\\\\slash \\\\N\n',
      '42\t-1.5e-7\tNaN\n',
      '\\N\t9223372036854775808\t2024-01-02T00:00:00.000Z\n',
      'plain «ü» 😀\t0\tInfinity\n',
    ]);
    // Only the values that are neither strings nor numbers reached the encoder.
    expect(seen).toEqual([null, 2n ** 63n, new Date(Date.UTC(2024, 0, 2))]);
    // The same lines as the generic loop and the real encoder, which it calls for every value.
    expect(lines).toEqual(input.map((row) => copyLineGeneric(cols, [real, real, real], row, true)));
    expect(input.map((row) => compiled.byName(row))).toEqual(lines);
  });
});
