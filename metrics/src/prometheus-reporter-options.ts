import { defineOptions } from '@tributary/core';
import { z } from 'zod';

/**
 * Options of {@link prometheusReporter}. The defaults follow Flink's Prometheus reporter
 * (port 9249, all interfaces) so existing scrape configs need only the new target.
 */
export const PrometheusReporterOptions = defineOptions(
  'metrics.prometheus',
  z.strictObject({
    port: z
      .number()
      .int()
      .min(0)
      .max(65_535)
      .default(9249)
      .describe('TCP port of the scrape endpoint; 0 picks a free port (read it from `reporter.port`).'),
    host: z
      .string()
      .min(1)
      .default('0.0.0.0')
      .describe('Interface to listen on; `127.0.0.1` keeps the endpoint local to the machine.'),
    path: z
      .string()
      .startsWith('/')
      .default('/metrics')
      .describe('HTTP path of the scrape endpoint; other paths answer 404.'),
    prefix: z
      .string()
      .regex(/^([a-zA-Z_:][a-zA-Z0-9_:]*)?$/, 'must be a valid Prometheus metric name prefix')
      .default('tributary_')
      .describe('Prepended to every metric name (`tributary_numRecordsIn_total`).'),
    jobLabel: z
      .string()
      .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'must be a valid Prometheus label name')
      .default('job_name')
      .describe(
        'Prometheus label that carries the registry `job` label. Prometheus replaces a scraped `job` label with the scrape job name (keeping ours as `exported_job`) unless `honor_labels: true`; `job_name` avoids that, as Flink does.',
      ),
    maxSeriesPerMetric: z
      .number()
      .int()
      .positive()
      .default(2000)
      .describe(
        'Most label sets exported per metric name; extra ones are dropped and counted in `<prefix>droppedSeries`.',
      ),
    rateIntervalMs: z
      .number()
      .int()
      .positive()
      .default(10_000)
      .describe('How often counters are sampled for the `…PerSecond` rate gauges (the rate window).'),
    includeRates: z
      .boolean()
      .default(true)
      .describe('Also export a `<name>PerSecond` gauge per counter (Flink meter names).'),
    lingerAfterFinishMs: z
      .number()
      .int()
      .min(0)
      .default(30_000)
      .describe(
        'After the job ends, keep serving its final values (frozen: last checkpoint completed and committed) for this long, so Prometheus scrapes them; at least 2 scrape intervals. The process stays alive meanwhile; 0 closes the endpoint with the job.',
      ),
    pushgateway: z
      .strictObject({
        url: z.url({ protocol: /^https?$/ }),
        job: z
          .string()
          .regex(/^[^/]+$/, 'must not contain "/"')
          .default('tributary'),
        timeoutMs: z.number().int().positive().default(5_000),
      })
      .optional()
      .describe(
        'Also push the final values to a Prometheus Pushgateway when the job ends (for short batch jobs): `{ url, job?, timeoutMs? }`. Grouping key `job/<job>/tributary_job/<jobName>`; a failed push is logged, never fails the job.',
      ),
  }),
);

/** Validated Prometheus reporter options (defaults applied). */
export type PrometheusReporterConfig = z.output<typeof PrometheusReporterOptions.schema>;
/** Prometheus reporter options as a user writes them (every key optional). */
export type PrometheusReporterOptionsInput = z.input<typeof PrometheusReporterOptions.schema>;

/** The `pushgateway` block of the Prometheus reporter options (defaults applied). */
export type PushgatewayConfig = NonNullable<PrometheusReporterConfig['pushgateway']>;
