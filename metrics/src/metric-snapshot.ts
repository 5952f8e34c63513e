import type { MetricKind, MetricRegistry, RegisteredMetric } from '@tributary/core';
import type { SeriesLimiter } from './series-limiter.js';

/** What a reporter reads: the live registry, or the frozen final values of an ended job. */
export type MetricSource = Pick<MetricRegistry, 'metrics'>;

/**
 * Reads every metric once and returns a source that always answers those values (and the last
 * rates): an ended job's final state, which no later change (closed groups, a clock moving idle
 * gauges on) alters. @internal
 */
export function freezeMetrics(
  source: MetricSource,
  onError: (metric: RegisteredMetric, error: unknown) => void,
): MetricSource {
  const frozen: RegisteredMetric[] = source.metrics().map((metric) => {
    const value = safeRead(metric, onError);
    const rate = metric.kind === 'counter' ? safeRate(metric) : undefined;
    return {
      name: metric.name,
      kind: metric.kind,
      labels: metric.labels,
      description: metric.description,
      read: () => value,
      rate: () => rate,
    };
  });
  return { metrics: () => frozen };
}

/** All exported series of one metric name at one collection. @internal */
export interface MetricFamily {
  readonly name: string;
  /** The kind of the first registration; a name registered as both is exported as that kind. */
  readonly kind: MetricKind;
  readonly description: string;
  readonly series: readonly RegisteredMetric[];
}

/**
 * Groups the registry's metrics by name (in registration order) and applies the series limit.
 * Called once per scrape/export, never on the record path. @internal
 */
export function collectFamilies(registry: MetricSource, limiter: SeriesLimiter): Map<string, MetricFamily> {
  const byName = new Map<string, RegisteredMetric[]>();
  for (const metric of registry.metrics()) {
    const list = byName.get(metric.name);
    if (list === undefined) byName.set(metric.name, [metric]);
    else list.push(metric);
  }
  limiter.retain(new Set(byName.keys()));
  const families = new Map<string, MetricFamily>();
  for (const [name, all] of byName) {
    const first = all[0] as RegisteredMetric;
    // A name registered as both a counter and a gauge would break every backend's type model:
    // export only the registrations of the first kind.
    const sameKind = all.every((m) => m.kind === first.kind) ? all : all.filter((m) => m.kind === first.kind);
    families.set(name, {
      name,
      kind: first.kind,
      description: first.description,
      series: limiter.admit(name, sameKind),
    });
  }
  return families;
}

/**
 * Reads a metric without letting a faulty gauge break the whole scrape: a throwing or
 * non-finite reader counts as "no value". `onError` is told the first time (per reporter) so the
 * fault is logged once, not on every scrape. @internal
 */
export function safeRead(
  metric: RegisteredMetric,
  onError: (metric: RegisteredMetric, error: unknown) => void,
): number | undefined {
  try {
    const value = metric.read();
    return value === undefined || !Number.isFinite(value) ? undefined : value;
  } catch (error) {
    onError(metric, error);
    return undefined;
  }
}

/** Like {@link safeRead} for a counter's per-second rate. @internal */
export function safeRate(metric: RegisteredMetric): number | undefined {
  const rate = metric.rate();
  return rate === undefined || !Number.isFinite(rate) ? undefined : rate;
}
