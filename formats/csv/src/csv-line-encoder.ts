import { recordInvalidError } from '@tributary/core';
import { BAD_VALUE, conversionProblem, formatCsvValue } from './csv-column-types.js';
import {
  type CsvColumn,
  type CsvColumnType,
  type ResolvedCsvFormatOptions,
  resolveColumns,
} from './csv-format-options.js';

function escapeRegExp(c: string): string {
  return c.replace(/[\\^$.*+?()[\]{}|-]/g, '\\$&');
}

/**
 * Formats records as CSV lines (without terminator) so that {@link CsvFileFormat} reads them back
 * unchanged: fields are quoted when they hold the delimiter, quote, escape or a line break, equal the
 * null literal, are empty where empty means null, or start with a byte order mark.
 */
export class CsvLineEncoder {
  private readonly delimiter: string;
  private readonly quote: string;
  private readonly nullLiteral: string | undefined;
  private readonly nullText: string;
  private readonly needsQuotes: RegExp;
  private readonly specials: RegExp;
  private readonly escapeWith: string;
  private names: string[] | undefined;
  private types: (CsvColumnType | undefined)[] = [];

  constructor(options: ResolvedCsvFormatOptions) {
    const columns: CsvColumn[] | undefined = resolveColumns(options);
    this.delimiter = options.delimiter;
    this.quote = options.quote;
    this.nullLiteral = options.nullLiteral;
    this.nullText = options.nullLiteral ?? '';
    const escapeChar = options.escape ?? options.quote;
    const chars = [...new Set([options.delimiter, options.quote, escapeChar])].map(escapeRegExp).join('');
    this.needsQuotes = new RegExp(`[${chars}\\r\\n]|^\\uFEFF`);
    this.specials = new RegExp(
      `[${[...new Set([options.quote, escapeChar])].map(escapeRegExp).join('')}]`,
      'g',
    );
    this.escapeWith = escapeChar;
    if (columns !== undefined) {
      this.names = columns.map((c) => c.name);
      this.types = columns.map((c) => c.type);
    }
  }

  /** Column names, from `columns` or from the first object record seen; undefined for array records. */
  namesFor(record: unknown): string[] | undefined {
    if (this.names === undefined && typeof record === 'object' && record !== null && !Array.isArray(record)) {
      this.names = Object.keys(record);
    }
    return this.names;
  }

  /** The header line for these names. */
  header(names: readonly string[]): string {
    return names.map((n) => this.field(n, false)).join(this.delimiter);
  }

  /** One record as a line; `index` is its place in the batch, for errors. */
  line(record: unknown, index: number): string {
    const names = this.namesFor(record);
    let values: readonly unknown[];
    if (Array.isArray(record)) values = record;
    else if (typeof record === 'object' && record !== null && names !== undefined) {
      const obj = record as Record<string, unknown>;
      values = names.map((n) => obj[n]);
    } else {
      throw recordInvalidError(
        `Record ${index} of the batch is ${typeof record}; CSV records are objects or arrays`,
      );
    }
    const single = values.length === 1;
    let out = '';
    for (let j = 0; j < values.length; j++) {
      if (j > 0) out += this.delimiter;
      const value = values[j];
      if (value === null || value === undefined) {
        if (single && this.nullText === '') {
          throw recordInvalidError(
            `Record ${index} of the batch: a single null column would be an empty line, which readers skip; set nullLiteral`,
            { field: names?.[j] },
          );
        }
        out += this.nullText;
        continue;
      }
      const text = formatCsvValue(value, this.types[j]);
      if (text === BAD_VALUE) {
        throw recordInvalidError(
          `Record ${index} of the batch cannot be written: ${conversionProblem.reason}`,
          {
            field: names?.[j],
            column: j + 1,
          },
        );
      }
      out += this.field(text, single);
    }
    return out;
  }

  private field(text: string, single: boolean): string {
    const mustQuote =
      text.length === 0
        ? single || this.nullLiteral === ''
        : text === this.nullLiteral || this.needsQuotes.test(text);
    if (!mustQuote) return text;
    return `${this.quote}${text.replace(this.specials, (c) => this.escapeWith + c)}${this.quote}`;
  }
}
