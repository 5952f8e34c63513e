import type { MetricRegistry } from '../../metrics/metric-registry.js';
import { Counter } from '../../metrics/metric-types.js';
import type { MetricSample } from './worker-protocol.js';

/** Reads every metric of a worker's registry as plain samples. */
export function sampleMetrics(registry: MetricRegistry): MetricSample[] {
  return registry.metrics().map((m) => ({ name: m.name, kind: m.kind, labels: m.labels, value: m.read() }));
}

/**
 * The main thread's copy of workers' metrics: each sampled metric is registered once in the job's
 * registry under its own name and labels, and reads the last value its worker sent. Reporters
 * cannot tell a mirrored metric from a local one.
 */
export class MetricMirror {
  private readonly counters = new Map<string, Counter>();
  private readonly gauges = new Map<string, { value: number | undefined }>();

  constructor(private readonly registry: MetricRegistry) {}

  apply(samples: readonly MetricSample[]): void {
    for (const sample of samples) {
      const key = keyOf(sample);
      if (sample.kind === 'counter') {
        let counter = this.counters.get(key);
        if (!counter) {
          counter = this.registry.registerCounter(sample.name, sample.labels, new Counter());
          this.counters.set(key, counter);
        }
        counter.count = sample.value ?? 0;
      } else {
        let holder = this.gauges.get(key);
        if (!holder) {
          const created = { value: sample.value };
          this.registry.registerGauge(sample.name, sample.labels, () => created.value);
          this.gauges.set(key, created);
          holder = created;
        }
        holder.value = sample.value;
      }
    }
  }
}

function keyOf(sample: MetricSample): string {
  const labels = Object.entries(sample.labels)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `${sample.name}{${labels}}`;
}
