import type { ParquetColumn } from './parquet-format-options.js';

/**
 * The values of one column buffered for the row group being built, kept so the garbage collector
 * does not copy one heap object per value. A row group holds 100 000 rows by default, so its values
 * outlive several young-generation collections: kept as they arrive (a bigint per int64, a string per
 * text field) every one of them is copied by the scavenger and then promoted to the old generation,
 * work V8 does on its helper threads. Numbers go into typed arrays instead, and repeated strings are
 * replaced by the first equal one (the dictionary the writer builds anyway, built as rows arrive), so
 * the row's own string dies young.
 *
 * The writer library still gets what it got before (the same values, as plain or typed arrays), so
 * the file's bytes do not change.
 */
export interface ColumnBuffer {
  readonly length: number;
  /** Appends a converted value (as `toColumnValue` returns it) or null. */
  push(value: unknown): void;
  /** Removes the last value (a record failed half-way). */
  pop(): void;
  /** The buffered values, as the writer library takes them; the buffer starts empty again. */
  take(): ArrayLike<unknown>;
  /** Empties the buffer, keeping its storage (after the column encoder read it in place). */
  clear(): void;
}

/** A buffer suited to the column's type. */
export function columnBufferFor(column: ParquetColumn): ColumnBuffer {
  switch (column.type) {
    case 'int64':
    case 'timestamp-micros':
    case 'timestamp-nanos':
      return new Int64Buffer();
    case 'timestamp':
      // `toColumnValue` checks the Date; the column stores its milliseconds (what the writer library
      // would convert the Date to), so no Date is kept.
      return new Int64Buffer((v) => BigInt((v as Date).getTime()));
    case 'decimal':
      // Unscaled bigints; up to 18 digits they fit 64 bits, beyond that they stay bigints.
      return (column.precision ?? 38) <= 18 ? new Int64Buffer() : new ValueBuffer();
    case 'float':
    case 'double':
      return new Float64Buffer();
    case 'string':
      return new StringBuffer();
    default:
      // int32, date (day numbers) and booleans are small integers and constants in a plain array,
      // no heap object each; json and bytes values are objects the writer needs as they are.
      return new ValueBuffer();
  }
}

const INITIAL_CAPACITY = 1024;

/** A plain array of values. */
export class ValueBuffer implements ColumnBuffer {
  private values: unknown[] = [];

  get length(): number {
    return this.values.length;
  }

  push(value: unknown): void {
    this.values.push(value);
  }

  pop(): void {
    this.values.pop();
  }

  take(): unknown[] {
    const values = this.values;
    this.values = [];
    return values;
  }

  /** The values in place (read them before the next push). */
  get items(): readonly unknown[] {
    return this.values;
  }

  clear(): void {
    this.values = [];
  }
}

/**
 * Typed-array storage with a null mask. Without nulls `take()` returns a typed view; with nulls a
 * plain array with null in their places (the writer library reads nulls from the values).
 */
export abstract class TypedBuffer<A extends BigInt64Array | Float64Array> implements ColumnBuffer {
  protected data: A;
  /** 1 where the row is null; undefined while no row was. Read in place by the column encoder. */
  nulls: Uint8Array | undefined;
  nullCount = 0;
  private size = 0;

  constructor() {
    this.data = this.allocate(INITIAL_CAPACITY);
  }

  get length(): number {
    return this.size;
  }

  protected abstract allocate(capacity: number): A;
  protected abstract store(index: number, value: unknown): void;

  push(value: unknown): void {
    if (this.size === this.data.length) this.grow();
    if (value === null) {
      this.nulls ??= new Uint8Array(this.data.length);
      this.nulls[this.size] = 1;
      this.nullCount++;
    } else {
      this.store(this.size, value);
    }
    this.size++;
  }

  pop(): void {
    this.size--;
    if (this.nulls !== undefined && this.nulls[this.size] === 1) {
      this.nulls[this.size] = 0;
      this.nullCount--;
    }
  }

  take(): ArrayLike<unknown> {
    const size = this.size;
    let out: ArrayLike<unknown>;
    if (this.nullCount === 0) {
      // A copy sized to the rows: the writer slices and iterates it, and the buffer is reused.
      out = this.data.slice(0, size);
    } else {
      const nulls = this.nulls as Uint8Array;
      const values = new Array<unknown>(size);
      for (let i = 0; i < size; i++) values[i] = nulls[i] === 1 ? null : this.data[i];
      out = values;
      nulls.fill(0, 0, size);
    }
    this.size = 0;
    this.nullCount = 0;
    return out;
  }

  /** The storage in place: rows `[0, length)` are the values (read them before the next push). */
  get storage(): A {
    return this.data;
  }

  clear(): void {
    if (this.nulls !== undefined && this.nullCount > 0) this.nulls.fill(0, 0, this.size);
    this.size = 0;
    this.nullCount = 0;
  }

  private grow(): void {
    const bigger = this.allocate(this.data.length * 2);
    bigger.set(this.data as never);
    this.data = bigger;
    if (this.nulls !== undefined) {
      const nulls = new Uint8Array(bigger.length);
      nulls.set(this.nulls);
      this.nulls = nulls;
    }
  }
}

/** 64-bit integers (int64, timestamps, small decimals). */
export class Int64Buffer extends TypedBuffer<BigInt64Array> {
  private readonly toBigInt: ((value: unknown) => bigint) | undefined;

  constructor(toBigInt?: (value: unknown) => bigint) {
    super();
    this.toBigInt = toBigInt;
  }

  protected allocate(capacity: number): BigInt64Array {
    return new BigInt64Array(capacity);
  }

  protected store(index: number, value: unknown): void {
    this.data[index] = this.toBigInt === undefined ? (value as bigint) : this.toBigInt(value);
  }
}

/** Floating-point numbers (float columns are written as 32 bits by the writer library). */
export class Float64Buffer extends TypedBuffer<Float64Array> {
  protected allocate(capacity: number): Float64Array {
    return new Float64Array(capacity);
  }

  protected store(index: number, value: unknown): void {
    this.data[index] = value as number;
  }
}

/** Distinct strings remembered per row group; a column with more is not worth the lookups. */
const MAX_DISTINCT_STRINGS = 1024;

/**
 * Strings, each replaced by the first equal string of the row group. A low-cardinality column (a
 * country, a status) then holds a handful of strings however many rows it has. Once a row group has
 * seen more distinct strings than {@link MAX_DISTINCT_STRINGS}, new ones are kept as they are.
 */
export class StringBuffer implements ColumnBuffer {
  private values: (string | null)[] = [];
  private distinct = new Map<string, string>();

  get length(): number {
    return this.values.length;
  }

  push(value: unknown): void {
    if (value === null) {
      this.values.push(null);
      return;
    }
    const text = value as string;
    const seen = this.distinct.get(text);
    if (seen !== undefined) {
      this.values.push(seen);
      return;
    }
    if (this.distinct.size < MAX_DISTINCT_STRINGS) this.distinct.set(text, text);
    this.values.push(text);
  }

  pop(): void {
    this.values.pop();
  }

  take(): (string | null)[] {
    const values = this.values;
    this.values = [];
    this.distinct = new Map();
    return values;
  }

  /** The values in place (read them before the next push). */
  get items(): readonly (string | null)[] {
    return this.values;
  }

  clear(): void {
    this.values = [];
    this.distinct = new Map();
  }
}
