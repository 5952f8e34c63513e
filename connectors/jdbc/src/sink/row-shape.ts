import {
  type CopyFieldEncoder,
  escapesStringsAndNumbers,
  passesStringsAndNumbers,
  type Row,
  type ValueEncoder,
} from '../dialect/dialect.js';
import { COPY_SPECIAL, escapeCopyText } from '../dialect/postgres-copy.js';

/** The bytes metric of one bound value: a string's length, a binary's size, 8 for any other. */
export function parameterBytes(value: unknown): number {
  return typeof value === 'string'
    ? value.length
    : typeof value === 'object' && value instanceof Uint8Array
      ? value.byteLength
      : 8;
}

/**
 * {@link parameterBytes} of `e`, written into the compiled loop: a call per value was not always
 * inlined there (the loop itself is inlined into its caller, which uses up V8's inlining budget).
 */
const BYTES_OF_E =
  "(typeof e === 'string' ? e.length : typeof e === 'object' && e instanceof Uint8Array ? e.byteLength : 8)";

/**
 * The compiled loop's step for column `i`: its value `v{i}` encoded by `e{i}` into `out`, its
 * bytes counted. An encoder that passes strings and numbers through is called only for other values.
 */
function encodeStep(i: number, passThrough: boolean): string {
  const general = `e = e${i}(v${i}); out[offset + ${i}] = e; bytes += ${BYTES_OF_E};`;
  if (!passThrough) return `    ${general}`;
  return `    if (typeof v${i} === 'string') { out[offset + ${i}] = v${i}; bytes += v${i}.length; }
    else if (typeof v${i} === 'number') { out[offset + ${i}] = v${i}; bytes += 8; }
    else { ${general} }`;
}

/** {@link RowShape.fillChunk} of one shape, its result counts written to `shape`. */
type FillChunk = (
  shape: RowShape,
  rows: readonly Row[],
  indices: readonly number[] | undefined,
  from: number,
  end: number,
  maxRows: number,
  out: unknown[],
  rest: number[] | undefined,
) => number;

/**
 * @internal The encoding loop of one shape with its columns written in: each value read by a constant
 * property name and passed to its own encoder, so V8 compiles plain field loads (an inline cache
 * per column) and inlines each encoder, as in a loop written by hand for the table. A loop over
 * the columns reads `row[columns[i]]` through a lookup by a changing key and calls every encoder
 * from one call site: for the bench's four columns ~10 ms per 200 000 rows against ~5.6 ms
 * (`bench/row-shape-micro.ts`; a raw loop's four property reads take ~1.6 ms). The shape check is
 * the same `for…in` comparison in both (~3.3 ms of it); only the value reads move out of it.
 *
 * Column names enter the source only as JSON string literals (`JSON.stringify` escapes every
 * quote, backslash and control character), never as code. Where code generation from strings is
 * disallowed (`--disallow-code-generation-from-strings`), the same loop runs uncompiled.
 */
export function compileFill(columns: readonly string[], encoders: readonly ValueEncoder[]): FillChunk {
  const width = columns.length;
  if (width > 0 && width <= MAX_COMPILED_COLUMNS) {
    const v = (i: number) => `v${i}`;
    const ids = columns.map((_, i) => i);
    const body = `
return function fillChunk(shape, rows, indices, from, end, maxRows, out, rest) {
  let count = 0;
  let bytes = 0;
  let p = from;
  for (; p < end && count < maxRows; p++) {
    const index = indices === undefined ? p : indices[p];
    const row = rows[index];
    if (rest !== undefined) {
      let i = 0;
      for (const field in row) {
        if (field !== columns[i]) { i = -1; break; }
        i++;
      }
      if (i !== ${width}) { rest.push(index); continue; }
    }
${ids.map((i) => `    const ${v(i)} = row[${JSON.stringify(columns[i])}];`).join('\n')}
    if (rest !== undefined && (${ids.map((i) => `${v(i)} === undefined`).join(' || ')})) { rest.push(index); continue; }
    const offset = count * ${width};
    let e;
${ids.map((i) => encodeStep(i, passesStringsAndNumbers(encoders[i] as ValueEncoder))).join('\n')}
    count++;
  }
  shape.chunkRows = count;
  shape.chunkBytes = bytes;
  return p;
};`;
    const factory = compiled(['columns', 'parameterBytes', ...ids.map((i) => `e${i}`)], body);
    if (factory !== undefined) return factory(columns, parameterBytes, ...encoders) as FillChunk;
  }
  return (shape, rows, indices, from, end, maxRows, out, rest) =>
    fillGeneric(shape, columns, encoders, rows, indices, from, end, maxRows, out, rest);
}

/**
 * Compiled factories by their source, for the life of the process: every job writing a table
 * gets the same factory, so its loop is the same function to V8 and stays optimized from one job
 * to the next (a new `Function` per job would be a new script, interpreted again at each start).
 */
const factories = new Map<string, ((...args: unknown[]) => unknown) | undefined>();

/** The factory of `body` with `parameters`, or undefined where code generation is disallowed. */
function compiled(
  parameters: readonly string[],
  body: string,
): ((...args: unknown[]) => unknown) | undefined {
  const key = `${parameters.join(',')}\u0000${body}`;
  if (factories.has(key)) return factories.get(key);
  let factory: ((...args: unknown[]) => unknown) | undefined;
  try {
    factory = new Function(...parameters, body) as (...args: unknown[]) => unknown;
  } catch (error) {
    if (!(error instanceof EvalError)) throw error;
  }
  // Bounded: a process writing ever new column lists should not keep every one.
  if (factories.size >= MAX_CACHED_FACTORIES) factories.clear();
  factories.set(key, factory);
  return factory;
}

const MAX_CACHED_FACTORIES = 256;

/** Tables wider than this are encoded by the generic loop (one generated function stays small). */
const MAX_COMPILED_COLUMNS = 256;

/** @internal {@link RowShape.fillChunk} without code generation: the same checks, the same result. */
export function fillGeneric(
  shape: RowShape,
  columns: readonly string[],
  encoders: readonly ValueEncoder[],
  rows: readonly Row[],
  indices: readonly number[] | undefined,
  from: number,
  end: number,
  maxRows: number,
  out: unknown[],
  rest: number[] | undefined,
): number {
  const width = columns.length;
  let count = 0;
  let bytes = 0;
  let p = from;
  for (; p < end && count < maxRows; p++) {
    const index = indices === undefined ? p : (indices[p] as number);
    const row = rows[index] as Row;
    const offset = count * width;
    if (rest === undefined) {
      for (let i = 0; i < width; i++) {
        const value = (encoders[i] as ValueEncoder)(row[columns[i] as string]);
        out[offset + i] = value;
        bytes += parameterBytes(value);
      }
      count++;
      continue;
    }
    let i = 0;
    let rowBytes = 0;
    let matches = true;
    for (const field in row) {
      // A field past the last column meets `undefined` here: a mismatch too.
      if (field !== columns[i]) {
        matches = false;
        break;
      }
      const value = row[field];
      if (value === undefined) {
        matches = false;
        break;
      }
      const encoded = (encoders[i] as ValueEncoder)(value);
      out[offset + i] = encoded;
      rowBytes += parameterBytes(encoded);
      i++;
    }
    // Not of this shape: what was written at `offset` is overwritten by the next row or cut off.
    if (!matches || i !== width) {
      rest.push(index);
      continue;
    }
    bytes += rowBytes;
    count++;
  }
  shape.chunkRows = count;
  shape.chunkBytes = bytes;
  return p;
}

/**
 * The compiled COPY line's field of column `i`: where the encoder escapes strings and writes
 * numbers as `String` does, those are written inline (the regex test first, as `escapeCopyText`
 * does) and the encoder is called only for other values.
 */
function copyField(i: number, inline: boolean): string {
  const v = `v${i}`;
  if (!inline) return `e${i}(${v})`;
  return `(typeof ${v} === 'string' ? (special.test(${v}) ? escape(${v}) : ${v}) : typeof ${v} === 'number' ? '' + ${v} : e${i}(${v}))`;
}

/** A shape's COPY text line of a row: checked against the shape (else undefined), or read by name. */
interface CopyLines {
  checked(row: Row): string | undefined;
  byName(row: Row): string;
}

/**
 * @internal COPY text lines of one shape, compiled like {@link compileFill}: the same `for…in` check, then
 * each field read by a constant name, encoded by its own encoder and joined in one expression.
 */
export function compileCopyLines(
  columns: readonly string[],
  encoders: readonly CopyFieldEncoder[],
): CopyLines {
  const width = columns.length;
  if (width > 0 && width <= MAX_COMPILED_COLUMNS) {
    const ids = columns.map((_, i) => i);
    const reads = ids.map((i) => `  const v${i} = row[${JSON.stringify(columns[i])}];`).join('\n');
    const line = `${ids
      .map((i) => copyField(i, escapesStringsAndNumbers(encoders[i] as CopyFieldEncoder)))
      .join(" + '\\t' + ")} + '\\n'`;
    const body = `
function checked(row) {
  let i = 0;
  for (const field in row) {
    if (field !== columns[i]) return undefined;
    i++;
  }
  if (i !== ${width}) return undefined;
${reads}
  if (${ids.map((i) => `v${i} === undefined`).join(' || ')}) return undefined;
  return ${line};
}
function byName(row) {
${reads}
  return ${line};
}
return { checked, byName };`;
    const factory = compiled(['columns', 'special', 'escape', ...ids.map((i) => `e${i}`)], body);
    if (factory !== undefined)
      return factory(columns, COPY_SPECIAL, escapeCopyText, ...encoders) as CopyLines;
  }
  return {
    checked: (row) => copyLineGeneric(columns, encoders, row, true),
    byName: (row) => copyLineGeneric(columns, encoders, row, false) as string,
  };
}

/** @internal A COPY text line without code generation (checked: undefined when not of the shape). */
export function copyLineGeneric(
  columns: readonly string[],
  encoders: readonly CopyFieldEncoder[],
  row: Row,
  checked: boolean,
): string | undefined {
  if (checked) {
    let i = 0;
    for (const field in row) {
      if (field !== columns[i]) return undefined;
      if (row[field] === undefined) return undefined;
      i++;
    }
    if (i !== columns.length) return undefined;
  }
  let line = '';
  for (let i = 0; i < columns.length; i++) {
    if (i > 0) line += '\t';
    line += (encoders[i] as CopyFieldEncoder)(row[columns[i] as string]);
  }
  return `${line}\n`;
}

/**
 * The columns written for records with one field list, and their per-column encoders, built once
 * per field list instead of once per row. This is the sink's hot path: {@link encode} checks a
 * row's fields and converts its values in a single `for…in` pass (no key array, no per-row array),
 * straight into a statement's parameter array or a COPY text line.
 */
export class RowShape {
  /** Statement SQL for a full chunk of rows (the common size), built once. */
  private fullChunk: { readonly rows: number; readonly sql: string } | undefined;
  /** The parameter array of a full chunk, reused chunk after chunk. */
  private fullParameters: unknown[] | undefined;

  constructor(
    /** The columns, in the order their values are encoded (a statement's column list). */
    readonly columns: readonly string[],
    private readonly encoders: readonly ValueEncoder[],
    private readonly copyEncoders: readonly CopyFieldEncoder[] | undefined,
  ) {}

  /** Built with COPY encoders (the connection has COPY). */
  get canCopy(): boolean {
    return this.copyEncoders !== undefined;
  }

  get width(): number {
    return this.columns.length;
  }

  /** The row's own fields are exactly this shape's columns, in order (values not checked). */
  matches(row: Row): boolean {
    let i = 0;
    for (const field in row) if (field !== this.columns[i++]) return false;
    return i === this.columns.length;
  }

  /** Rows the last {@link fillChunk} encoded. */
  chunkRows = 0;
  /** Bytes metric of the parameters the last {@link fillChunk} encoded (see {@link parameterBytes}). */
  chunkBytes = 0;

  /**
   * Encodes the rows at positions `from…end` of `indices` (undefined: the rows in order) into
   * `out`, `maxRows` rows at most, and returns the position after the last one read. With `rest`,
   * a row whose own fields are not exactly this shape's columns, in order, none undefined, is not
   * encoded: its index goes to `rest` (checked by `for…in`, which reads through V8's enum cache;
   * an inherited enumerable field would appear there but not in Object.keys: a mismatch, so such
   * a row simply takes the general path). Without `rest`, every row is read by column name.
   * Sets {@link chunkRows} and {@link chunkBytes}.
   */
  fillChunk(
    rows: readonly Row[],
    indices: readonly number[] | undefined,
    from: number,
    end: number,
    maxRows: number,
    out: unknown[],
    rest: number[] | undefined,
  ): number {
    this.fill ??= compileFill(this.columns, this.encoders);
    return this.fill(this, rows, indices, from, end, maxRows, out, rest);
  }

  /** The {@link fillChunk} loop of this shape's columns (see {@link compileFill}). */
  private fill: FillChunk | undefined;

  /** Writes the parameters of `row`'s values for this shape's columns, by name (any field order). */
  encodeByName(row: Row, out: unknown[], offset: number): void {
    for (let i = 0; i < this.columns.length; i++)
      out[offset + i] = (this.encoders[i] as ValueEncoder)(row[this.columns[i] as string]);
  }

  /** The row as one COPY text line (with its newline), or undefined when it is not of this shape (see {@link fillChunk}). */
  copyLine(row: Row): string | undefined {
    this.copyLines ??= compileCopyLines(this.columns, this.copyEncoders as readonly CopyFieldEncoder[]);
    return this.copyLines.checked(row);
  }

  /** The row as one COPY text line, by name (any field order). */
  copyLineByName(row: Row): string {
    this.copyLines ??= compileCopyLines(this.columns, this.copyEncoders as readonly CopyFieldEncoder[]);
    return this.copyLines.byName(row);
  }

  /** {@link copyLine} and {@link copyLineByName} of this shape's columns (see {@link compileCopyLines}). */
  private copyLines: CopyLines | undefined;

  /**
   * One array for the parameters of every full chunk of `rows` rows (the caller fills it, sends
   * it and awaits the statement before filling it again): no array allocated, grown and
   * collected per chunk.
   */
  fullChunkParameters(rows: number): unknown[] {
    const size = rows * this.columns.length;
    if (this.fullParameters?.length !== size) this.fullParameters = new Array<unknown>(size).fill(null);
    return this.fullParameters;
  }

  /** `build(rows)`, kept for the full-chunk size so the same SQL text (and prepared statement) is reused. */
  sql(rows: number, fullRows: number, build: (rows: number) => string): string {
    if (rows !== fullRows) return build(rows);
    if (this.fullChunk?.rows !== rows) this.fullChunk = { rows, sql: build(rows) };
    return this.fullChunk.sql;
  }
}
