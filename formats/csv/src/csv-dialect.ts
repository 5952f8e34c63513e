import type { ResolvedCsvFormatOptions } from './csv-format-options.js';
import type { CsvDialect } from './csv-record-assembler.js';

/** The dialect (characters and quoting rules) the options describe. */
export function dialectOf(options: ResolvedCsvFormatOptions): CsvDialect {
  return {
    delimiter: options.delimiter,
    quote: options.quote,
    escape: options.escape ?? options.quote,
    nullLiteral: options.nullLiteral,
    newlinesInQuotedFields: options.newlinesInQuotedFields,
  };
}
