import { defineOptions } from '@tributary/core';
import { z } from 'zod';

/** Options of the raw format: UTF-8 string (de)serialization and plain-text files. */
export const RawFormatOptions = defineOptions(
  'format.raw',
  z.strictObject({
    invalidUtf8: z
      .enum(['replace', 'fail'])
      .default('replace')
      .describe(
        "String schema: 'replace' decodes invalid UTF-8 bytes as U+FFFD, 'fail' throws TRIB_RECORD_INVALID naming the message origin.",
      ),
    keepCarriageReturn: z
      .boolean()
      .default(false)
      .describe('Text files: keep the \\r of CRLF line ends as part of the line (default strips it).'),
    skipEmptyLines: z.boolean().default(false).describe('Text files: drop lines that are empty.'),
    maxLineBytes: z
      .number()
      .int()
      .positive()
      .default(64 * 1024 * 1024)
      .describe('Text files: longest accepted line in bytes; longer lines fail the read.'),
  }),
);

/** Options as passed in (defaults optional). */
export type RawFormatConfig = z.input<typeof RawFormatOptions.schema>;
/** Options after validation. */
export type ResolvedRawFormatOptions = z.output<typeof RawFormatOptions.schema>;
