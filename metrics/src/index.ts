/**
 * @tributary/metrics — exports a job's FLIP-33 metrics: a Prometheus endpoint, OpenTelemetry
 * (OTLP/HTTP) push, and console reports; plus the connector metrics conformance check used by
 * the contract suites (it lives in `@tributary/core/testing`, re-exported here). Curated named exports only.
 */

export {
  assertConnectorMetrics,
  type ConnectorMetricsCheckInput,
  ConnectorMetricsCheckOptions,
  type ConnectorMetricsProblem,
  checkConnectorMetrics,
} from '@tributary/core/testing';
export {
  type ConsoleReportEntry,
  ConsoleReporter,
  type ConsoleReporterHooks,
  consoleReporter,
} from './console-reporter.js';
export {
  type ConsoleReporterConfig,
  ConsoleReporterOptions,
  type ConsoleReporterOptionsInput,
} from './console-reporter-options.js';
export { createReporters, type MetricsConfig, MetricsConfigOptions } from './create-reporters.js';
export {
  DASHBOARD_REQUIREMENTS,
  type DashboardPanelRequirement,
  type DashboardPanelSpec,
  type GrafanaDashboardOptions,
  grafanaDashboard,
  grafanaDashboardPanels,
  grafanaDashboardVariableQueries,
} from './grafana-dashboard.js';
export { METRIC_CATALOG, type MetricScope, type MetricSpec, metricSpec } from './metric-catalog.js';
export { type MetricsErrorCode, MetricsErrorCodes } from './metrics-errors.js';
export { OtlpReporter, otlpReporter } from './otlp-reporter.js';
export {
  type OtlpReporterConfig,
  OtlpReporterOptions,
  type OtlpReporterOptionsInput,
} from './otlp-reporter-options.js';
export { PrometheusReporter, prometheusReporter, startPrometheusReporter } from './prometheus-reporter.js';
export {
  type PrometheusReporterConfig,
  PrometheusReporterOptions,
  type PrometheusReporterOptionsInput,
} from './prometheus-reporter-options.js';
export type { ReporterHooks } from './reporter-support.js';
