import { defineOptions } from '@tributary/core';
import { z } from 'zod';

/** Options of {@link consoleReporter}. */
export const ConsoleReporterOptions = defineOptions(
  'metrics.console',
  z.strictObject({
    intervalMs: z
      .number()
      .int()
      .positive()
      .default(10_000)
      .describe('Time between reports; also the window of the per-second rates.'),
    format: z
      .enum(['text', 'json'])
      .default('text')
      .describe('`text`: one aligned line per series; `json`: one JSON object per report (log pipelines).'),
    includeRates: z.boolean().default(true).describe('Show the per-second rate next to each counter.'),
    includeUndefined: z
      .boolean()
      .default(false)
      .describe('Also list gauges that have no value yet (shown as `-` / `null`).'),
    reportOnStop: z
      .boolean()
      .default(true)
      .describe('Write a last report when the job stops, so short bounded jobs show their totals.'),
  }),
);

/** Validated console reporter options (defaults applied). */
export type ConsoleReporterConfig = z.output<typeof ConsoleReporterOptions.schema>;
/** Console reporter options as a user writes them. */
export type ConsoleReporterOptionsInput = z.input<typeof ConsoleReporterOptions.schema>;
