import type { MetricLabels, RegisteredMetric } from '@tributary/core';

/** A stable identity of a label set (keys sorted). @internal */
export function labelKey(labels: MetricLabels): string {
  const keys = Object.keys(labels).sort();
  let key = '';
  for (const k of keys) key += `${k}\u0000${labels[k]}\u0001`;
  return key;
}

/**
 * Bounds the number of label sets (series) exported per metric name, so a connector that labels
 * by something unbounded (one series per file, per key) cannot take down the metrics backend.
 *
 * Admission is first come, first kept: a series that was exported stays exported while it
 * exists, and a slot frees up only when a series disappears from the registry (its group was
 * closed). That keeps exported series from flapping between scrapes. The number of series left
 * out is available per metric name through {@link dropped}, and `onLimit` fires once per metric
 * name the first time the limit bites (reporters log a warning there).
 * @internal
 */
export class SeriesLimiter {
  private readonly admitted = new Map<string, Set<string>>();
  private readonly droppedByName = new Map<string, number>();
  private readonly warned = new Set<string>();

  constructor(
    private readonly maxSeriesPerMetric: number,
    private readonly onLimit: (name: string, dropped: number) => void,
  ) {}

  /** Returns the series of one metric name that may be exported. */
  admit(name: string, series: readonly RegisteredMetric[]): RegisteredMetric[] {
    let admitted = this.admitted.get(name);
    if (admitted === undefined) {
      admitted = new Set();
      this.admitted.set(name, admitted);
    }
    const keys = series.map((m) => labelKey(m.labels));
    if (admitted.size > 0) {
      const present = new Set(keys);
      for (const key of admitted) if (!present.has(key)) admitted.delete(key);
    }
    const kept: RegisteredMetric[] = [];
    let dropped = 0;
    for (let i = 0; i < series.length; i++) {
      const key = keys[i] as string;
      if (admitted.has(key) || admitted.size < this.maxSeriesPerMetric) {
        admitted.add(key);
        kept.push(series[i] as RegisteredMetric);
      } else {
        dropped++;
      }
    }
    if (dropped > 0) {
      this.droppedByName.set(name, dropped);
      if (!this.warned.has(name)) {
        this.warned.add(name);
        this.onLimit(name, dropped);
      }
    } else if (this.droppedByName.has(name)) {
      this.droppedByName.set(name, 0);
    }
    return kept;
  }

  /** Forgets metric names that no longer exist at all (their dropped count goes back to 0). */
  retain(names: ReadonlySet<string>): void {
    for (const name of this.admitted.keys()) if (!names.has(name)) this.admitted.delete(name);
    for (const name of this.droppedByName.keys()) if (!names.has(name)) this.droppedByName.set(name, 0);
  }

  /**
   * Series currently left out, per metric name. A name stays listed (at 0) once it has hit the
   * limit, so dashboards see the drop go back to zero instead of the series vanishing.
   */
  dropped(): ReadonlyMap<string, number> {
    return this.droppedByName;
  }
}
