import { defineOptions, type MetricReporter } from '@tributary/core';
import { z } from 'zod';
import { type ConsoleReporterHooks, consoleReporter } from './console-reporter.js';
import { ConsoleReporterOptions } from './console-reporter-options.js';
import { otlpReporter } from './otlp-reporter.js';
import { OtlpReporterOptions } from './otlp-reporter-options.js';
import { prometheusReporter } from './prometheus-reporter.js';
import { PrometheusReporterOptions } from './prometheus-reporter-options.js';

/**
 * The `metrics` section of a job configuration: one optional block per reporter. A present block
 * (even `{}`) enables that reporter with its defaults.
 *
 * ```ts
 * metricReporters: createReporters({ prometheus: { port: 9249 }, console: { format: 'json' } })
 * ```
 */
export const MetricsConfigOptions = defineOptions(
  'metrics',
  z.strictObject({
    prometheus: PrometheusReporterOptions.schema.optional(),
    otlp: OtlpReporterOptions.schema.optional(),
    console: ConsoleReporterOptions.schema.optional(),
  }),
);

/** The `metrics` configuration as a user writes it. */
export type MetricsConfig = z.input<typeof MetricsConfigOptions.schema>;

/**
 * Builds the reporters a `metrics` configuration asks for, validated up front (an error names
 * the key, e.g. `metrics.prometheus.port`). The runtime takes the result as `metricReporters`
 * and calls `start`/`stop`; this keeps `@tributary/core` free of any reporter dependency.
 */
export function createReporters(config: MetricsConfig, hooks: ConsoleReporterHooks = {}): MetricReporter[] {
  const parsed = MetricsConfigOptions.parse(config);
  const { logger, write } = hooks;
  const withLogger = logger === undefined ? {} : { logger };
  const reporters: MetricReporter[] = [];
  if (parsed.prometheus) reporters.push(prometheusReporter({ ...parsed.prometheus, ...withLogger }));
  if (parsed.otlp) reporters.push(otlpReporter({ ...parsed.otlp, ...withLogger }));
  if (parsed.console) {
    reporters.push(
      consoleReporter({ ...parsed.console, ...withLogger, ...(write === undefined ? {} : { write }) }),
    );
  }
  return reporters;
}
