import { CoreErrorCodes } from '../errors/error-codes.js';
import { TributaryError, toError } from '../errors/tributary-error.js';
import type { Logger } from '../logging/logger.js';
import type { MetricReporter } from '../metrics/metric-reporter.js';

/** The part of `@tributary/metrics` the runtime uses; typed here so core has no build-time dependency on it. */
interface MetricsModule {
  createReporters(config: unknown, hooks?: { readonly logger?: Logger }): MetricReporter[];
}

/** Loads a module by name; replaced in tests to simulate a missing package. */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

// A variable specifier keeps TypeScript from resolving the package at build time: it is an
// optional peer dependency and importing core must not require it.
const METRICS_PACKAGE = '@tributary/metrics';
const defaultImporter: ModuleImporter = (specifier) => import(specifier);

/**
 * Builds the reporters of the job option `metrics` with `createReporters` from
 * `@tributary/metrics`, loaded only when the option is set. Fails with `TRIB_METRICS_UNAVAILABLE`
 * (not retriable: installing the package is the fix) when the package is missing, and with
 * `TRIB_INVALID_OPTIONS` (from `createReporters`) when the configuration is invalid.
 */
export async function loadMetricReporters(
  config: Readonly<Record<string, unknown>>,
  logger: Logger,
  importModule: ModuleImporter = defaultImporter,
): Promise<MetricReporter[]> {
  let loaded: unknown;
  try {
    loaded = await importModule(METRICS_PACKAGE);
  } catch (error) {
    const missing = isModuleNotFound(error);
    throw new TributaryError(
      CoreErrorCodes.METRICS_UNAVAILABLE,
      missing
        ? `The job option 'metrics' needs the package ${METRICS_PACKAGE}; install it next to @tributary/core (npm install ${METRICS_PACKAGE}).`
        : `The job option 'metrics' needs ${METRICS_PACKAGE}, which failed to load: ${toError(error).message}`,
      { cause: error, context: { key: 'metrics', package: METRICS_PACKAGE } },
    );
  }
  if (!isMetricsModule(loaded)) {
    throw new TributaryError(
      CoreErrorCodes.METRICS_UNAVAILABLE,
      `${METRICS_PACKAGE} does not export createReporters; install a version that matches @tributary/core.`,
      { context: { key: 'metrics', package: METRICS_PACKAGE } },
    );
  }
  return loaded.createReporters(config, { logger });
}

function isMetricsModule(value: unknown): value is MetricsModule {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { createReporters?: unknown }).createReporters === 'function'
  );
}

function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}
