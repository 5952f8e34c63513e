import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { MetricGroup } from './metric-groups.js';
import type { MetricRegistry } from './metric-registry.js';
import type { MetricLabels } from './metric-types.js';

/** Tuning for {@link ProcessMetricGroup}. */
export interface ProcessMetricGroupOptions {
  /**
   * Length of the window the event-loop-lag statistics cover. Reads within one window return the
   * statistics of the previous complete window, so several reporters reading at different times
   * see the same numbers and none of them resets the others' view. Default 10 000 ms.
   */
  readonly windowMs?: number;
  /** Sampling resolution of `monitorEventLoopDelay`. Default 20 ms. */
  readonly resolutionMs?: number;
  /** Clock, for tests. */
  readonly now?: () => number;
}

interface LagStats {
  readonly meanMs: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

const NS_PER_MS = 1e6;

/**
 * Health of the Node.js process a job runs in: event-loop lag (the first thing to look at when
 * throughput drops on one event loop) and memory. All values are gauges read lazily by reporters;
 * nothing here touches the record path. Registered by the runtime once per process, e.g. with
 * labels `{ job }`.
 *
 * Gauges: `eventLoopLagMs` (mean), `eventLoopLagP99Ms`, `eventLoopLagMaxMs` (over the last
 * complete window), `heapUsedBytes`, `heapTotalBytes`, `rssBytes`.
 */
export class ProcessMetricGroup extends MetricGroup {
  private readonly histogram: IntervalHistogram;
  private readonly windowMs: number;
  private readonly resolutionNs: number;
  private readonly now: () => number;
  private windowStart: number;
  private lastWindow: LagStats | undefined;
  private closed = false;

  constructor(registry: MetricRegistry, labels: MetricLabels = {}, options: ProcessMetricGroupOptions = {}) {
    super(registry, labels);
    this.windowMs = options.windowMs ?? 10_000;
    this.now = options.now ?? Date.now;
    this.windowStart = this.now();
    const resolutionMs = options.resolutionMs ?? 20;
    this.resolutionNs = resolutionMs * NS_PER_MS;
    this.histogram = monitorEventLoopDelay({ resolution: resolutionMs });
    this.histogram.enable();
    this.gauge('eventLoopLagMs', () => this.lag()?.meanMs);
    this.gauge('eventLoopLagP99Ms', () => this.lag()?.p99Ms);
    this.gauge('eventLoopLagMaxMs', () => this.lag()?.maxMs);
    // process.memoryUsage() reads all values at once; it is cheap enough at reporter intervals.
    this.gauge('heapUsedBytes', () => process.memoryUsage().heapUsed);
    this.gauge('heapTotalBytes', () => process.memoryUsage().heapTotal);
    this.gauge('rssBytes', () => process.memoryUsage.rss());
  }

  /** Stops sampling the event loop and removes the gauges. Idempotent. */
  override close(): void {
    if (this.closed) return;
    this.closed = true;
    this.histogram.disable();
    super.close();
  }

  private lag(): LagStats | undefined {
    if (this.closed) return this.lastWindow;
    const now = this.now();
    if (now - this.windowStart >= this.windowMs) {
      this.lastWindow = this.currentStats() ?? this.lastWindow;
      this.histogram.reset();
      this.windowStart = now;
    }
    // Before the first window completes, show the partial window rather than nothing.
    return this.lastWindow ?? this.currentStats();
  }

  private currentStats(): LagStats | undefined {
    // No samples yet: the histogram reports NaN for the mean.
    if (this.histogram.count === 0 || Number.isNaN(this.histogram.mean)) return undefined;
    // The histogram records the time between sampling timer firings, which includes the
    // sampling resolution itself; the lag is what exceeds it.
    const lag = (ns: number) => Math.max(0, ns - this.resolutionNs) / NS_PER_MS;
    return {
      meanMs: lag(this.histogram.mean),
      p99Ms: lag(this.histogram.percentile(99)),
      maxMs: lag(this.histogram.max),
    };
  }
}
