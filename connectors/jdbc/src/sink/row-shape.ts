import type { CopyFieldEncoder, Row, ValueEncoder } from '../dialect/dialect.js';

/** The bytes metric of one bound value: a string's length, a binary's size, 8 for any other. */
export function parameterBytes(value: unknown): number {
  return typeof value === 'string'
    ? value.length
    : typeof value === 'object' && value instanceof Uint8Array
      ? value.byteLength
      : 8;
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
   * encoded: its index goes to `rest` (checked in the same pass, by `for…in`, which reads
   * through V8's enum cache; an inherited enumerable field would appear there but not in
   * Object.keys: a mismatch, so such a row simply takes the general path). Without `rest`, every
   * row is read by column name. Sets {@link chunkRows} and {@link chunkBytes}.
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
    const columns = this.columns;
    const encoders = this.encoders;
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
    this.chunkRows = count;
    this.chunkBytes = bytes;
    return p;
  }

  /** Writes the parameters of `row`'s values for this shape's columns, by name (any field order). */
  encodeByName(row: Row, out: unknown[], offset: number): void {
    for (let i = 0; i < this.columns.length; i++)
      out[offset + i] = (this.encoders[i] as ValueEncoder)(row[this.columns[i] as string]);
  }

  /** The row as one COPY text line (with its newline), or undefined as {@link encode} would say false. */
  copyLine(row: Row): string | undefined {
    const columns = this.columns;
    const encoders = this.copyEncoders as readonly CopyFieldEncoder[];
    let line = '';
    let i = 0;
    for (const field in row) {
      if (field !== columns[i]) return undefined;
      const value = row[field];
      if (value === undefined) return undefined;
      line +=
        i === 0 ? (encoders[0] as CopyFieldEncoder)(value) : `\t${(encoders[i] as CopyFieldEncoder)(value)}`;
      i++;
    }
    return i === columns.length ? `${line}\n` : undefined;
  }

  /** The row as one COPY text line, by name (any field order). */
  copyLineByName(row: Row): string {
    const encoders = this.copyEncoders as readonly CopyFieldEncoder[];
    let line = '';
    for (let i = 0; i < this.columns.length; i++) {
      if (i > 0) line += '\t';
      line += (encoders[i] as CopyFieldEncoder)(row[this.columns[i] as string]);
    }
    return `${line}\n`;
  }

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
