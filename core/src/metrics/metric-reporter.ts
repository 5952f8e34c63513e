import type { MetricRegistry } from './metric-registry.js';

/**
 * Publishes a job's metrics somewhere (a Prometheus endpoint, an OpenTelemetry collector, the
 * console). Implementations live in `@tributary/metrics`; core only knows this interface so the
 * runtime can take `metricReporters: MetricReporter[]` without depending on that package.
 *
 * Contract:
 * - The runtime calls {@link start} once, after the job's registry exists and before the first
 *   record flows, and {@link stop} once when the job ends (finished, failed or cancelled).
 * - A reporter reads the registry lazily (`registry.metrics()`, `RegisteredMetric.read()`) on its
 *   own schedule; it never runs on the record path. It may call `registry.tick()` to refresh
 *   per-second rates.
 * - `start` rejects if the reporter cannot run (e.g. its port is taken); export failures after
 *   that are the reporter's own business (logged, retried on the next interval) and never fail
 *   the job.
 * - `stop` is idempotent and releases every timer, socket and server the reporter opened. When
 *   the runtime calls it, it passes how the job ended ({@link MetricReporterStopContext}): the
 *   registry then holds the job's final values (last checkpoint completed and committed), and a
 *   reporter may publish them once more, or keep serving them for a while (the Prometheus
 *   reporter's `lingerAfterFinishMs`), before it releases its resources.
 */
export interface MetricReporter {
  /** Short name used in logs, e.g. `prometheus`. */
  readonly name: string;
  start(registry: MetricRegistry): Promise<void>;
  stop(context?: MetricReporterStopContext): Promise<void>;
}

/** What the runtime tells a reporter when the job ended (absent when a user stops it directly). */
export interface MetricReporterStopContext {
  /** How the job ended; the registry holds its final values. */
  readonly jobStatus: 'finished' | 'stopped' | 'cancelled' | 'failed';
}
