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
      return new Int64Buffer((v) => (v as Date).getTime());
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

/**
 * A plain array of values, reused from one row group to the next: growing a new array by `push` for
 * every row group allocates about three times its final size on the way.
 */
export class ValueBuffer implements ColumnBuffer {
  protected values: unknown[] = [];
  protected size = 0;

  get length(): number {
    return this.size;
  }

  push(value: unknown): void {
    this.values[this.size++] = value;
  }

  pop(): void {
    this.size--;
  }

  take(): unknown[] {
    const values = this.size === this.values.length ? this.values : this.values.slice(0, this.size);
    this.values = [];
    this.size = 0;
    return values;
  }

  /** The values in place: rows `[0, length)` (read them before the next push). */
  get items(): readonly unknown[] {
    return this.values;
  }

  clear(): void {
    this.size = 0;
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
  private readonly toInteger: ((value: unknown) => number | bigint) | undefined;

  /** `toInteger`: from the converted value to the integer stored (a safe-integer number or a bigint). */
  constructor(toInteger?: (value: unknown) => number | bigint) {
    super();
    this.toInteger = toInteger;
  }

  protected allocate(capacity: number): BigInt64Array {
    return new BigInt64Array(capacity);
  }

  protected store(index: number, converted: unknown): void {
    const value = this.toInteger === undefined ? converted : this.toInteger(converted);
    if (typeof value === 'number' && LITTLE_ENDIAN) {
      // A safe integer (`toColumnValue` checked it) written as its two 32-bit halves: no bigint.
      const words = this.words();
      const high = Math.floor(value / 4294967296);
      words[2 * index] = (value - high * 4294967296) | 0;
      words[2 * index + 1] = high;
      return;
    }
    this.data[index] = typeof value === 'number' ? BigInt(value) : (value as bigint);
  }

  private wordView: Int32Array | undefined;

  /** The storage as 32-bit words (low word first on a little-endian host), renewed when it grew. */
  private words(): Int32Array {
    const data = this.data;
    let view = this.wordView;
    if (view === undefined || view.buffer !== data.buffer) {
      view = new Int32Array(data.buffer, data.byteOffset, data.length * 2);
      this.wordView = view;
    }
    return view;
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

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
export class StringBuffer extends ValueBuffer {
  private distinct = new Map<string, string>();

  override push(value: unknown): void {
    if (value === null) {
      this.values[this.size++] = null;
      return;
    }
    const text = value as string;
    const seen = this.distinct.get(text);
    if (seen !== undefined) {
      this.values[this.size++] = seen;
      return;
    }
    if (this.distinct.size < MAX_DISTINCT_STRINGS) this.distinct.set(text, text);
    this.values[this.size++] = text;
  }

  override take(): unknown[] {
    this.distinct.clear();
    return super.take();
  }

  override clear(): void {
    this.distinct.clear();
    super.clear();
  }
}
