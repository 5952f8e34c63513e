import { CoreErrorCodes } from '../errors/error-codes.js';
import type { Logger } from '../logging/logger.js';
import type { MetricReporter } from '../metrics/metric-reporter.js';
import { defaultImporter, importOptionalPackage, type ModuleImporter } from './optional-package.js';

/** `createReporters` of `@tributary/metrics`; typed here so core has no build-time dependency on it. */
type CreateReporters = (config: unknown, hooks?: { readonly logger?: Logger }) => MetricReporter[];

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
  const createReporters = (await importOptionalPackage(
    {
      specifier: '@tributary/metrics',
      option: 'metrics',
      exportName: 'createReporters',
      code: CoreErrorCodes.METRICS_UNAVAILABLE,
    },
    importModule,
  )) as CreateReporters;
  return createReporters(config, { logger });
}
