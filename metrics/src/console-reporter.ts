import type { Logger, MetricLabels, MetricRegistry, MetricReporter, RegisteredMetric } from '@tributary/core';
import {
  type ConsoleReporterConfig,
  ConsoleReporterOptions,
  type ConsoleReporterOptionsInput,
} from './console-reporter-options.js';
import { safeRate, safeRead } from './metric-snapshot.js';
import { subscribeTicks } from './registry-ticker.js';
import { oncePerMetric, type ReporterHooks, reporterLogger, stateError } from './reporter-support.js';

/** Runtime hooks of the console reporter. */
export interface ConsoleReporterHooks extends ReporterHooks {
  /**
   * Receives each report (text: several lines joined with `\n`, no trailing newline; json: one
   * line). Defaults to stderr, so stdout stays free for data a CLI pipeline prints.
   */
  readonly write?: (report: string) => void;
}

/** One series in a JSON report. */
export interface ConsoleReportEntry {
  readonly name: string;
  readonly kind: 'counter' | 'gauge';
  readonly labels: MetricLabels;
  readonly value: number | null;
  readonly ratePerSecond?: number;
}

interface Running {
  readonly registry: MetricRegistry;
  readonly timer: NodeJS.Timeout;
  readonly releaseTicks: () => void;
}

/**
 * Writes the registry to the console (or any `write` function) every `intervalMs`: aligned text
 * for people watching a CLI, or one JSON object per report for log pipelines. Series are sorted
 * by name, then labels, so consecutive reports line up.
 */
export class ConsoleReporter implements MetricReporter, AsyncDisposable {
  readonly name = 'console';
  readonly options: ConsoleReporterConfig;
  private readonly write: (report: string) => void;
  private readonly logger: Logger;
  private readonly onReadError: (metric: RegisteredMetric, error: unknown) => void;
  private running: Running | undefined;
  private writeFailed = false;

  constructor(options: ConsoleReporterOptionsInput & ConsoleReporterHooks = {}) {
    const { write, logger, ...rest } = options;
    this.options = ConsoleReporterOptions.parse(rest);
    this.write = write ?? ((report) => process.stderr.write(`${report}\n`));
    this.logger = reporterLogger(logger, this.name);
    this.onReadError = oncePerMetric(this.logger);
  }

  async start(registry: MetricRegistry): Promise<void> {
    if (this.running !== undefined) throw stateError(this.name, 'already started');
    const releaseTicks = this.options.includeRates
      ? subscribeTicks(registry, this.options.intervalMs)
      : () => {};
    const timer = setInterval(() => this.emit(registry), this.options.intervalMs);
    timer.unref();
    this.running = { registry, timer, releaseTicks };
  }

  /** Stops the timer; with `reportOnStop`, writes a last report first. Idempotent. */
  async stop(): Promise<void> {
    const running = this.running;
    if (running === undefined) return;
    this.running = undefined;
    clearInterval(running.timer);
    running.releaseTicks();
    if (this.options.reportOnStop) this.emit(running.registry);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** The report as it would be written now (for CLIs that print on demand). */
  render(registry: MetricRegistry, now: Date = new Date()): string {
    const entries = this.entries(registry);
    if (this.options.format === 'json') return JSON.stringify({ time: now.toISOString(), metrics: entries });
    const lines = entries.map((e) => {
      const value = e.value === null ? '-' : formatNumber(e.value);
      const rate = e.ratePerSecond === undefined ? '' : `  (${formatNumber(e.ratePerSecond)}/s)`;
      return { series: `${e.name}${formatLabels(e.labels)}`, text: `${value}${rate}` };
    });
    const width = Math.max(0, ...lines.map((l) => l.series.length));
    return [
      `# tributary metrics ${now.toISOString()}`,
      ...lines.map((l) => `${l.series.padEnd(width)}  ${l.text}`),
    ].join('\n');
  }

  /** The series of a report, sorted by name then labels. */
  entries(registry: MetricRegistry): ConsoleReportEntry[] {
    const out: ConsoleReportEntry[] = [];
    for (const metric of registry.metrics()) {
      const value = safeRead(metric, this.onReadError);
      if (value === undefined && !this.options.includeUndefined) continue;
      const rate = metric.kind === 'counter' && this.options.includeRates ? safeRate(metric) : undefined;
      out.push({
        name: metric.name,
        kind: metric.kind,
        labels: metric.labels,
        value: value ?? null,
        ...(rate === undefined ? {} : { ratePerSecond: round(rate) }),
      });
    }
    return out.sort(
      (a, b) => compare(a.name, b.name) || compare(formatLabels(a.labels), formatLabels(b.labels)),
    );
  }

  private emit(registry: MetricRegistry): void {
    try {
      this.write(this.render(registry));
      this.writeFailed = false;
    } catch (error) {
      // A broken output stream must not crash the job from a timer; say so once per streak.
      if (!this.writeFailed) this.logger.warn({ err: error }, 'console metrics report could not be written');
      this.writeFailed = true;
    }
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function formatLabels(labels: MetricLabels): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}}`;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(round(n));
}

/**
 * A console reporter to hand to the runtime (`metricReporters: [consoleReporter({ format: 'json' })]`).
 * Options are validated now; reports start on `start(registry)`.
 */
export function consoleReporter(
  options: ConsoleReporterOptionsInput & ConsoleReporterHooks = {},
): ConsoleReporter {
  return new ConsoleReporter(options);
}
