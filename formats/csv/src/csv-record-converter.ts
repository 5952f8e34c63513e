import { BAD_VALUE, conversionProblem, parseCsvValue, parseCsvValueIn } from './csv-column-types.js';
import type { CsvColumn, CsvColumnType } from './csv-format-options.js';
import type { CsvRecordAssembler } from './csv-record-assembler.js';
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
  private readonly nullLiteral: string | undefined;

  /**
   * `timeZone`: the zone of timestamps written without an offset (UTC when undefined);
   * `nullLiteral`: the dialect's (what the assembler reads as null).
   */
  constructor(columns: readonly CsvColumn[] | undefined, timeZone?: string, nullLiteral?: string) {
    this.nullLiteral = nullLiteral;
    this.zone = timeZone === undefined || timeZone === 'UTC' ? undefined : new TimeZoneOffsets(timeZone);
    if (columns !== undefined) {
      this.names = columns.map((c) => c.name);
      this.types = columns.map((c) => c.type);
      this.nullable = columns.map((c) => c.nullable);
      this.allStrings = columns.every((c) => c.type === 'string' && c.nullable);
    }
  }

  /** Whether column names are known (records are objects). */
  get hasNames(): boolean {
    return this.names !== undefined;
  }

  /** Column names from a header line, when `columns` did not give them. */
  setNames(names: readonly string[]): void {
    this.names = names;
  }

  /**
   * The record the assembler completed, or {@link BAD_RECORD}. A plain line (no quotes) with known
   * column names is converted from its field ranges, without a substring per numeric or date field.
   */
  convertAssembled(assembler: CsvRecordAssembler): unknown {
    const line = assembler.plainLine;
    if (line === undefined || this.names === undefined) return this.convert(assembler.fields);
    return this.convertLine(line, assembler.fieldEnds, assembler.fieldCount);
  }

  /** The record, or {@link BAD_RECORD} with the reason in `problem`. */
  convert(fields: readonly (string | null)[]): unknown {
    const names = this.names;
    if (names === undefined) return fields;
    if (fields.length !== names.length) return this.wrongFieldCount(fields.length);
    const record: Record<string, unknown> = {};
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

  /** {@link convert} of a plain line's fields given as ranges (see `CsvRecordAssembler.plainLine`). */
  private convertLine(line: string, ends: Int32Array, count: number): unknown {
    const names = this.names as readonly string[];
    if (count !== names.length) return this.wrongFieldCount(count);
    const types = this.types;
    const nullable = this.nullable;
    const nullLiteral = this.nullLiteral;
    const record: Record<string, unknown> = {};
    let start = 0;
    for (let j = 0; j < names.length; j++) {
      const end = ends[j] as number;
      const type = types === undefined ? 'string' : (types[j] as CsvColumnType);
      let value: unknown = null;
      if (type === 'string') {
        const text = line.slice(start, end);
        if (text !== nullLiteral) value = text;
        else if (nullable !== undefined && !nullable[j]) return this.bad(NOT_NULLABLE, j + 1);
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
