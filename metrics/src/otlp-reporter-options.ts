import { defineOptions } from '@tributary/core';
import { z } from 'zod';

/** Options of {@link otlpReporter}. */
export const OtlpReporterOptions = defineOptions(
  'metrics.otlp',
  z.strictObject({
    url: z
      .url()
      .default('http://localhost:4318/v1/metrics')
      .describe('OTLP/HTTP metrics endpoint of the collector or backend (including `/v1/metrics`).'),
    protocol: z
      .enum(['http/protobuf', 'http/json'])
      .default('http/protobuf')
      .describe('OTLP/HTTP encoding: protobuf (the OTLP default) or JSON.'),
    intervalMs: z
      .number()
      .int()
      .positive()
      .default(10_000)
      .describe('Time between exports; each export also samples the `…PerSecond` rates.'),
    timeoutMs: z.number().int().positive().default(10_000).describe('Time limit of one export request.'),
    headers: z
      .record(
        z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be a valid HTTP header name'),
        // Checked here because an invalid value would otherwise fail every export at run time.
        z
          .string()
          .regex(
            /^[\t\x20-\x7e\x80-\xff]*$/,
            'must be a valid HTTP header value (no control or non-Latin-1 characters)',
          ),
      )
      .optional()
      .describe('HTTP headers sent with every export, e.g. an API key. Treated as secrets: never logged.'),
    prefix: z
      .string()
      .default('tributary.')
      .describe('Prepended to every instrument name (`tributary.numRecordsIn`).'),
    serviceName: z.string().min(1).default('tributary').describe('The `service.name` resource attribute.'),
    resourceAttributes: z
      .record(z.string(), z.string())
      .default({})
      .describe('More resource attributes, e.g. `{ "deployment.environment": "prod" }`.'),
    includeRates: z
      .boolean()
      .default(true)
      .describe('Also export a `<name>PerSecond` gauge per counter (Flink meter names).'),
    maxSeriesPerMetric: z
      .number()
      .int()
      .positive()
      .default(2000)
      .describe(
        'Most attribute sets exported per metric name; extra ones are dropped and counted in `<prefix>droppedSeries`.',
      ),
    finalExportTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(2000)
      .describe(
        "Time limit of the last export when the reporter stops (the job ends), retries included: a collector that is down delays the job's end by at most this much.",
      ),
  }),
);

/** Validated OTLP reporter options (defaults applied). */
export type OtlpReporterConfig = z.output<typeof OtlpReporterOptions.schema>;
/** OTLP reporter options as a user writes them. */
export type OtlpReporterOptionsInput = z.input<typeof OtlpReporterOptions.schema>;
