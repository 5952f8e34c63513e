import { createJsonLogger, type Logger, type RegisteredMetric, TributaryError } from '@tributary/core';
import { MetricsErrorCodes } from './metrics-errors.js';

/**
 * Runtime collaborators a reporter takes beside its options. They are not part of the options
 * schema (functions and objects are neither serializable nor documentable as config keys).
 */
export interface ReporterHooks {
  /** Where warnings go (dropped series, failed exports). Defaults to a JSON logger on stderr at `warn`. */
  readonly logger?: Logger;
}

/** The logger a reporter uses (a child with `component: metrics.<reporter>`). @internal */
export function reporterLogger(logger: Logger | undefined, reporter: string): Logger {
  return (logger ?? createJsonLogger({ level: 'warn' })).child({ component: `metrics.${reporter}` });
}

/** Error for a reporter used out of order. @internal */
export function stateError(reporter: string, message: string): TributaryError {
  return new TributaryError(MetricsErrorCodes.REPORTER_STATE, `${reporter} reporter: ${message}`, {
    context: { reporter },
  });
}

/**
 * Logs a failing gauge once per metric name and reporter, so a broken connector gauge shows up in
 * the logs without flooding them at every scrape. @internal
 */
export function oncePerMetric(logger: Logger): (metric: RegisteredMetric, error: unknown) => void {
  const seen = new Set<string>();
  return (metric, error) => {
    if (seen.has(metric.name)) return;
    seen.add(metric.name);
    logger.warn(
      { metric: metric.name, labels: metric.labels, err: error },
      'metric read failed; the series is left out until it reads again',
    );
  };
}

/** The URL without credentials or query (either may carry a token), for logs and errors. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    return parsed.toString();
  } catch {
    return '[invalid url]';
  }
}
