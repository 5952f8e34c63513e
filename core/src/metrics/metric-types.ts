/**
 * Metric primitives. Counters are plain objects with a number field so that the hot path is one
 * addition; gauges are read lazily by reporters, never computed on the hot path.
 */
export class Counter {
  /** Current total. Reporters derive the per-second rate from it. */
  count = 0;
  inc(n = 1): void {
    this.count += n;
  }
  dec(n = 1): void {
    this.count -= n;
  }
}

/** A gauge is a function read when a reporter samples it; `undefined` means "no value yet". */
export type GaugeReader = () => number | undefined;

/** Labels of a metric, e.g. `{ job, operator, subtask, topic, partition }`. */
export type MetricLabels = Readonly<Record<string, string>>;

export type MetricKind = 'counter' | 'gauge';

/** One registered metric as a reporter sees it. */
export interface RegisteredMetric {
  readonly name: string;
  readonly kind: MetricKind;
  readonly labels: MetricLabels;
  readonly description: string;
  /** The counter's total or the gauge's current value. */
  read(): number | undefined;
  /** For counters: the per-second rate over the last registry tick (undefined before two ticks). */
  rate(): number | undefined;
}
