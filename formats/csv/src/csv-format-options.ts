import { defineOptions, recordErrorsModeOption } from '@tributary/core';
import { z } from 'zod';
import { TimeZoneOffsets } from './csv-timestamps.js';

/** Value types a CSV column can be converted to. */
export const CSV_COLUMN_TYPES = [
  'string',
  'number',
  'integer',
  'boolean',
  'date',
  'timestamp',
  'json',
] as const;

/** A column's value type: `date` reads `YYYY-MM-DD` as a UTC-midnight `Date`, `timestamp` ISO-8601 or epoch millis as a `Date`. */
export type CsvColumnType = (typeof CSV_COLUMN_TYPES)[number];

const singleChar = (what: string) =>
  z
    .string()
    .length(1, `${what} must be exactly one character`)
    .refine((c) => c !== '\n' && c !== '\r', `${what} cannot be a line break`);

const columnSchema = z.union([
  z.string().min(1),
  z.strictObject({
    name: z.string().min(1).describe('Column name (the record key).'),
    type: z.enum(CSV_COLUMN_TYPES).default('string').describe('Value type the text is converted to.'),
    nullable: z
      .boolean()
      .default(true)
      .describe('Whether an empty (or null-literal) value is accepted as null.'),
  }),
]);

/** Options of the CSV format, for reading, writing and the (de)serialization schemas. */
export const CsvFormatOptions = defineOptions(
  'format.csv',
  z
    .strictObject({
      header: z
        .boolean()
        .default(false)
        .describe(
          'The first line of each file is a header: readers skip it (and take column names from it unless columns is given); writers write one at the start of each part file.',
        ),
      columns: z
        .array(columnSchema)
        .optional()
        .describe(
          'Column names and types, as names or {name, type, nullable}. With names (from here or the header) records are objects, otherwise arrays of strings.',
        ),
      delimiter: singleChar('delimiter').default(',').describe('Field delimiter.'),
      quote: singleChar('quote')
        .default('"')
        .describe('Quote character around fields holding delimiters, quotes or line breaks.'),
      escape: singleChar('escape')
        .optional()
        .describe(
          'Escape character inside quoted fields. Unset means RFC 4180: a quote inside a quoted field is written twice.',
        ),
      nullLiteral: z
        .string()
        .optional()
        .refine((s) => s === undefined || !/[\r\n]/.test(s), 'nullLiteral cannot contain line breaks')
        .describe(
          'Unquoted text read as null and written for null (e.g. "" or "\\\\N"); a string equal to it is written quoted. Unset: null is written as an empty field, and an empty field is null for non-string columns only.',
        ),
      newlinesInQuotedFields: z
        .boolean()
        .default(true)
        .describe(
          'Quoted fields may contain line breaks. Set false to read every line as one record: files become splittable (a region can start at any line), and a line break inside quotes is an error.',
        ),
      timeZone: z
        .string()
        .default('UTC')
        .refine(TimeZoneOffsets.isValid, 'is not a time zone (an IANA name such as Europe/Berlin, or UTC)')
        .describe(
          "Reader: time zone of timestamp values written without an offset (IANA name, e.g. 'Europe/Berlin'); a value with Z or an offset keeps it.",
        ),
      lineEnding: z
        .enum(['lf', 'crlf'])
        .default('lf')
        .describe('Line ending the writers use (readers accept both).'),
      errors: recordErrorsModeOption,
      maxLineBytes: z
        .number()
        .int()
        .positive()
        .default(64 * 1024 * 1024)
        .describe('Longest accepted line in bytes; longer lines fail the read.'),
    })
    .refine(
      (o) =>
        new Set([o.delimiter, o.quote, o.escape ?? o.quote]).size ===
        (o.escape === undefined || o.escape === o.quote ? 2 : 3),
      {
        message: 'delimiter, quote and escape must be different characters',
        path: ['delimiter'],
      },
    )
    .refine(
      (o) =>
        o.nullLiteral === undefined ||
        (!o.nullLiteral.includes(o.delimiter) && !o.nullLiteral.includes(o.quote)),
      {
        message: 'nullLiteral cannot contain the delimiter or the quote character',
        path: ['nullLiteral'],
      },
    ),
);

/** Options as passed in (defaults optional). */
export type CsvFormatConfig = z.input<typeof CsvFormatOptions.schema>;
/** Options after validation, defaults applied. */
export type ResolvedCsvFormatOptions = z.output<typeof CsvFormatOptions.schema>;

/** A column with its defaults resolved. */
export interface CsvColumn {
  readonly name: string;
  readonly type: CsvColumnType;
  readonly nullable: boolean;
}

/** The `columns` option as a uniform list, or undefined when not given. */
export function resolveColumns(options: ResolvedCsvFormatOptions): CsvColumn[] | undefined {
  return options.columns?.map((c) =>
    typeof c === 'string' ? { name: c, type: 'string', nullable: true } : c,
  );
}
