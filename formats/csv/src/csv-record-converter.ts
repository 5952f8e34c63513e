import { BAD_VALUE, conversionProblem, parseCsvValue, parseCsvValueIn } from './csv-column-types.js';
import type { CsvColumn, CsvColumnType } from './csv-format-options.js';
import { type CsvRecordAssembler, ESCAPED_FIELD, UNQUOTED_FIELD } from './csv-record-assembler.js';
import { TimeZoneOffsets } from './csv-timestamps.js';

/** Why the last conversion failed: reason, 1-based column and its name. */
export interface CsvConversionProblem {
  reason: string;
  column: number;
  field: string | undefined;
}

/** Returned by {@link CsvRecordConverter.convert} for a record that does not convert; see `problem`. */
export const BAD_RECORD: unique symbol = Symbol('tributary.csv.bad-record');

const NOT_NULLABLE = 'empty or null value in a non-nullable column';

/** Fields up to this many UTF-16 units are shared (V8 copies a substring this short anyway). */
const MAX_SHARED_LENGTH = 12;
/** Remembered strings per column (a power of two). */
const SHARED_SLOTS = 64;

/** Makes an empty record: a plain object (prototype `Object.prototype`) laid out for a whole row. */
export type NewRecord = () => Record<string, unknown>;

/**
 * Records come from a constructor, not from `{}`: V8 lays out a constructor's objects with room for
 * the properties its first objects got (8 more than its body assigns, then trimmed to what they
 * use), while `{}` has room for 4 and moves the rest to a separate property array that grows as
 * columns are added (the demo's 8-column rows: 88 bytes each instead of about 160 with the
 * arrays it outgrew). The prototype is `Object.prototype`, so a record is the plain object it always
 * was (`constructor` is `Object`, `Object.getPrototypeOf` is `Object.prototype`). One maker per
 * format: its records share one layout.
 */
export function plainRecordMaker(): NewRecord {
  function CsvRow(): void {}
  CsvRow.prototype = Object.prototype;
  const Row = CsvRow as unknown as new () => Record<string, unknown>;
  return () => new Row();
}

/**
 * Turns a record's fields into the output value: an object keyed by column name when names are
 * known (from `columns` or the header), converted to the column types; otherwise the array of
 * strings as read. Empty fields are null for non-string columns (text has no other empty value).
 */
export class CsvRecordConverter {
  readonly problem: CsvConversionProblem = { reason: '', column: 0, field: undefined };
  private names: readonly string[] | undefined;
  private types: readonly CsvColumnType[] | undefined;
  private nullable: readonly boolean[] | undefined;
  /** No conversion needed: every column is a string column. */
  private allStrings = true;

  private readonly zone: TimeZoneOffsets | undefined;
  /** Recent short strings per column ({@link text}): `SHARED_SLOTS` slots for column `j` from `j * SHARED_SLOTS`. */
  private shared: (string | undefined)[] = [];
  private readonly nullLiteral: string | undefined;
  private readonly newRecord: NewRecord;

  /**
   * `timeZone`: the zone of timestamps written without an offset (UTC when undefined);
   * `nullLiteral`: the dialect's (what the assembler reads as null); `newRecord`: the format's
   * {@link plainRecordMaker} (a reader per file shares it).
   */
  constructor(
    columns: readonly CsvColumn[] | undefined,
    timeZone?: string,
    nullLiteral?: string,
    newRecord: NewRecord = plainRecordMaker(),
  ) {
    this.nullLiteral = nullLiteral;
    this.newRecord = newRecord;
    this.zone = timeZone === undefined || timeZone === 'UTC' ? undefined : new TimeZoneOffsets(timeZone);
    if (columns !== undefined) {
      this.names = columns.map((c) => c.name);
      this.types = columns.map((c) => c.type);
      this.nullable = columns.map((c) => c.nullable);
      this.allStrings = columns.every((c) => c.type === 'string' && c.nullable);
      this.layOut(this.names);
    }
  }

  /** Whether column names are known (records are objects). */
  get hasNames(): boolean {
    return this.names !== undefined;
  }

  /** Column names from a header line, when `columns` did not give them. */
  setNames(names: readonly string[]): void {
    this.names = names;
    this.layOut(names);
  }

  /**
   * Sets every column of one throwaway record to null, in column order, before any real record: the
   * layout V8 shares between the records then starts with fields that hold any value. Left to the
   * first real record, a number column gets a field kept as an unboxed double, so every record
   * allocates a box for it when it is stored and every reader (the Parquet writer) a copy each time
   * it reads it; as a field for any value it holds the parsed number itself.
   */
  private layOut(names: readonly string[]): void {
    const record = this.newRecord();
    for (const name of names) record[name] = null;
  }

  /**
   * The record the assembler completed, or {@link BAD_RECORD}. A plain line (no quotes) with known
   * column names is converted from its field ranges, without a substring per numeric or date field.
   */
  convertAssembled(assembler: CsvRecordAssembler): unknown {
    if (this.names !== undefined) {
      const line = assembler.plainLine;
      if (line !== undefined)
        return this.convertLine(line, undefined, assembler.fieldEnds, undefined, assembler.fieldCount);
      const quotedLine = assembler.quotedLine;
      if (quotedLine !== undefined) {
        return this.convertLine(
          quotedLine,
          assembler.fieldStarts,
          assembler.fieldEnds,
          assembler.fieldQuoted,
          assembler.fieldCount,
          assembler,
        );
      }
    }
    return this.convert(assembler.fields);
  }

  /** The record, or {@link BAD_RECORD} with the reason in `problem`. */
  convert(fields: readonly (string | null)[]): unknown {
    const names = this.names;
    if (names === undefined) return fields;
    if (fields.length !== names.length) return this.wrongFieldCount(fields.length);
    const record = this.newRecord();
    if (this.allStrings) {
      for (let j = 0; j < names.length; j++) record[names[j] as string] = fields[j];
      return record;
    }
    const types = this.types as readonly CsvColumnType[];
    const nullable = this.nullable as readonly boolean[];
    for (let j = 0; j < names.length; j++) {
      const text = fields[j] as string | null;
      const type = types[j] as CsvColumnType;
      let value: unknown;
      if (text === null || (text.length === 0 && type !== 'string')) {
        if (!nullable[j]) return this.bad(NOT_NULLABLE, j + 1);
        value = null;
      } else {
        value = type === 'string' ? text : parseCsvValue(type, text, this.zone);
        if (value === BAD_VALUE) return this.badValue(type, j + 1);
      }
      record[names[j] as string] = value;
    }
    return record;
  }

  /**
   * {@link convert} of a line's fields given as ranges: a plain line's (`starts` undefined: each field
   * starts after the previous one's delimiter) or a quoted line's (see `CsvRecordAssembler.quotedLine`;
   * the null literal applies only to unquoted fields, as when the scanner cuts them; an escaped field
   * is cut and unescaped by `unescaper`, then converted as {@link convert} converts it).
   */
  private convertLine(
    line: string,
    starts: Int32Array | undefined,
    ends: Int32Array,
    quoted: Uint8Array | undefined,
    count: number,
    unescaper?: CsvRecordAssembler,
  ): unknown {
    const names = this.names as readonly string[];
    if (count !== names.length) return this.wrongFieldCount(count);
    if (this.shared.length < names.length * SHARED_SLOTS) {
      this.shared = new Array<string | undefined>(names.length * SHARED_SLOTS).fill(undefined);
    }
    const types = this.types;
    const nullable = this.nullable;
    const record = this.newRecord();
    let start = 0;
    for (let j = 0; j < names.length; j++) {
      if (starts !== undefined) start = starts[j] as number;
      const end = ends[j] as number;
      const type = types === undefined ? 'string' : (types[j] as CsvColumnType);
      const quoting = quoted === undefined ? UNQUOTED_FIELD : (quoted[j] as number);
      // A quoted field is never the null literal.
      const nullLiteral = quoting === UNQUOTED_FIELD ? this.nullLiteral : undefined;
      let value: unknown = null;
      if (quoting === ESCAPED_FIELD) {
        // Never empty (it holds a quote), never null.
        const text = (unescaper as CsvRecordAssembler).unescape(line.slice(start, end));
        value = type === 'string' ? this.text(j, text, 0, text.length) : parseCsvValue(type, text, this.zone);
        if (value === BAD_VALUE) return this.badValue(type, j + 1);
      } else if (type === 'string') {
        if (
          nullLiteral === undefined ||
          end - start !== nullLiteral.length ||
          !line.startsWith(nullLiteral, start)
        ) {
          value = this.text(j, line, start, end);
        } else if (nullable !== undefined && !nullable[j]) {
          return this.bad(NOT_NULLABLE, j + 1);
        }
      } else if (
        start !== end &&
        (nullLiteral === undefined ||
          end - start !== nullLiteral.length ||
          !line.startsWith(nullLiteral, start))
      ) {
        value = parseCsvValueIn(type, line, start, end, this.zone);
        if (value === BAD_VALUE) return this.badValue(type, j + 1);
      } else if (nullable !== undefined && !nullable[j]) {
        return this.bad(NOT_NULLABLE, j + 1);
      }
      record[names[j] as string] = value;
      start = end + 1;
    }
    return record;
  }

  /**
   * The string `line[start, end)` of column `j`. A short field equal to one the column had recently
   * (a country, a status, a product: what CSV columns mostly repeat) returns that earlier string, found
   * by a hash of the characters read in place, so no new string is allocated: records wait in queues
   * long enough for their strings to be copied by the young-generation GC and promoted, and a shared
   * string is already old. Longer fields are cut as they are (V8 makes them slices of the line).
   */
  private text(j: number, line: string, start: number, end: number): string {
    const length = end - start;
    if (length === 0) return '';
    if (length > MAX_SHARED_LENGTH) return line.slice(start, end);
    let hash = length;
    for (let i = start; i < end; i++) hash = (Math.imul(hash, 31) + line.charCodeAt(i)) | 0;
    const slot = j * SHARED_SLOTS + ((hash ^ (hash >>> 9)) & (SHARED_SLOTS - 1));
    const shared = this.shared;
    const seen = shared[slot];
    if (seen !== undefined && seen.length === length && line.startsWith(seen, start)) return seen;
    const text = line.slice(start, end);
    shared[slot] = text;
    return text;
  }

  private wrongFieldCount(count: number): typeof BAD_RECORD {
    const expected = (this.names as readonly string[]).length;
    return this.bad(`expected ${expected} fields, got ${count}`, Math.min(count, expected) + 1);
  }

  /** The value just parsed for `column` was bad: the parser's reason (`conversionProblem`). */
  private badValue(type: CsvColumnType, column: number): typeof BAD_RECORD {
    return this.bad(`${conversionProblem.reason}, expected ${type}`, column);
  }

  private bad(reason: string, column: number): typeof BAD_RECORD {
    this.problem.reason = reason;
    this.problem.column = column;
    this.problem.field = this.names?.[column - 1];
    return BAD_RECORD;
  }
}
