import { type Attributes, type Meter, type ObservableResult, ValueType } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { OTLPMetricExporter as OtlpJsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, MetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import {
  type Logger,
  type MetricRegistry,
  type MetricReporter,
  type RegisteredMetric,
  TributaryError,
} from '@tributary/core';
import { metricSpec } from './metric-catalog.js';
import { otelName, otelRateName } from './metric-names.js';
import { collectFamilies, type MetricFamily, safeRate, safeRead } from './metric-snapshot.js';
import { MetricsErrorCodes } from './metrics-errors.js';
import {
  type OtlpReporterConfig,
  OtlpReporterOptions,
  type OtlpReporterOptionsInput,
} from './otlp-reporter-options.js';
import { subscribeTicks } from './registry-ticker.js';
import {
  oncePerMetric,
  type ReporterHooks,
  reporterLogger,
  safeUrl,
  stateError,
} from './reporter-support.js';
import { SeriesLimiter } from './series-limiter.js';

/**
 * A metric reader that collects only when asked. The reporter drives collection itself (instead
 * of `PeriodicExportingMetricReader`) so it can create instruments for metric names that
 * appeared since the last export right before collecting, and so an explicit `flush()` can report
 * a failed export to its caller.
 */
class OnDemandMetricReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

interface Running {
  readonly registry: MetricRegistry;
  readonly provider: MeterProvider;
  readonly reader: OnDemandMetricReader;
  readonly exporter: PushMetricExporter;
  readonly meter: Meter;
  readonly timer: NodeJS.Timeout;
  readonly releaseTicks: () => void;
  readonly instrumented: Set<string>;
  readonly limiter: SeriesLimiter;
  families: Map<string, MetricFamily>;
}

/**
 * Pushes the registry to an OpenTelemetry collector (or any OTLP/HTTP backend) with the official
 * OpenTelemetry JS SDK: counters become observable counters (cumulative sums), gauges observable
 * gauges, each fed from the registry at collection time; labels become attributes. Exports run
 * every `intervalMs` on an unref'd timer.
 *
 * Failures: a failed background export is logged (once per failure streak, without headers or
 * URL credentials) and retried at the next interval; it never fails the job. {@link flush}
 * exports now and rejects with `TRIB_METRICS_EXPORT_FAILED` for callers that must know.
 */
export class OtlpReporter implements MetricReporter, AsyncDisposable {
  readonly name = 'otlp';
  readonly #config: OtlpReporterConfig;
  private readonly logger: Logger;
  private readonly onReadError: (metric: RegisteredMetric, error: unknown) => void;
  private running: Running | undefined;
  private inFlight: Promise<void> | undefined;
  private failing = false;
  /** Exports that failed since start. */
  exportFailures = 0;
  /** Exports that succeeded since start. */
  exportsSucceeded = 0;
  /** The error of the most recent failed export, if any. */
  lastError: Error | undefined;

  constructor(options: OtlpReporterOptionsInput & ReporterHooks = {}) {
    const { logger, ...rest } = options;
    this.#config = OtlpReporterOptions.parse(rest);
    this.logger = reporterLogger(logger, this.name);
    this.onReadError = oncePerMetric(this.logger);
  }

  /** The validated options with header values redacted (safe to log). */
  get options(): OtlpReporterConfig {
    const { headers, ...rest } = this.#config;
    if (headers === undefined) return { ...rest };
    return { ...rest, headers: Object.fromEntries(Object.keys(headers).map((k) => [k, '[redacted]'])) };
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, options: { ...this.options, url: safeUrl(this.#config.url) } };
  }

  async start(registry: MetricRegistry): Promise<void> {
    if (this.running !== undefined) throw stateError(this.name, 'already started');
    const config = this.#config;
    const exporterConfig = {
      url: config.url,
      timeoutMillis: config.timeoutMs,
      ...(config.headers === undefined ? {} : { headers: { ...config.headers } }),
    };
    const exporter: PushMetricExporter =
      config.protocol === 'http/json'
        ? new OtlpJsonExporter(exporterConfig)
        : new OtlpProtobufExporter(exporterConfig);
    // One more than our own limit, so the SDK's overflow series never appears: our limiter
    // already dropped and counted the extra attribute sets.
    const limit = config.maxSeriesPerMetric + 1;
    const reader = new OnDemandMetricReader({ cardinalitySelector: () => limit });
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': config.serviceName, ...config.resourceAttributes }),
      readers: [reader],
    });
    const meter = provider.getMeter('@tributary/metrics');
    const limiter = new SeriesLimiter(config.maxSeriesPerMetric, (metric, dropped) =>
      this.logger.warn(
        { metric, dropped, maxSeriesPerMetric: config.maxSeriesPerMetric },
        'metric exceeds maxSeriesPerMetric; extra attribute sets are not exported (counted in droppedSeries)',
      ),
    );
    const releaseTicks = config.includeRates ? subscribeTicks(registry, config.intervalMs) : () => {};
    const timer = setInterval(() => this.exportInBackground(), config.intervalMs);
    timer.unref();
    const running: Running = {
      registry,
      provider,
      reader,
      exporter,
      meter,
      timer,
      releaseTicks,
      instrumented: new Set(),
      limiter,
      families: new Map(),
    };
    this.running = running;
    this.registerDroppedSeries(running);
  }

  /** Exports now; rejects with `TRIB_METRICS_EXPORT_FAILED` (retriable) when the export fails. */
  async flush(): Promise<void> {
    const running = this.running;
    if (running === undefined) throw stateError(this.name, 'not started; call start(registry) first');
    await this.inFlight;
    const exported = this.exportOnce(running);
    // Occupy the export slot so the timer does not start a concurrent export meanwhile.
    const slot = exported.then(
      () => {},
      () => {},
    );
    this.inFlight = slot;
    try {
      await exported;
    } finally {
      if (this.inFlight === slot) this.inFlight = undefined;
    }
  }

  /**
   * Stops the timer, makes a last export (failures logged, not thrown) and shuts the SDK down,
   * all within `finalExportTimeoutMs`: the exporter retries a collector that is down for longer
   * than a job's end should wait.
   */
  async stop(): Promise<void> {
    const running = this.running;
    if (running === undefined) return;
    this.running = undefined;
    clearInterval(running.timer);
    running.releaseTicks();
    const limitMs = this.#config.finalExportTimeoutMs;
    const finalExport = (async () => {
      await this.inFlight;
      await this.exportOnce(running);
    })();
    const outcome = await withDeadline(finalExport, limitMs);
    if (outcome.timedOut) {
      this.exportFailures++;
      this.logger.warn(
        { url: safeUrl(this.#config.url), finalExportTimeoutMs: limitMs },
        'final OTLP metrics export did not finish in time; the last values are not exported',
      );
    } else if (outcome.error !== undefined) {
      this.logger.warn({ err: outcome.error }, 'final OTLP metrics export failed');
    }
    // Shutting down waits for pending exports: bounded as well, then left to the request timeout.
    await withDeadline(
      (async () => {
        await running.provider.shutdown().catch(() => {});
        await running.exporter.shutdown().catch(() => {});
      })(),
      outcome.timedOut ? 1 : limitMs,
    );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  private exportInBackground(): void {
    const running = this.running;
    // Never overlap exports: a slow collector must not pile up requests.
    if (running === undefined || this.inFlight !== undefined) return;
    this.inFlight = this.exportOnce(running)
      .catch((error: unknown) => {
        if (!this.failing)
          this.logger.warn({ err: error }, 'OTLP metrics export failed; retrying every interval');
        this.failing = true;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
  }

  private async exportOnce(running: Running): Promise<void> {
    running.families = collectFamilies(running.registry, running.limiter);
    for (const family of running.families.values()) this.ensureInstruments(running, family);
    const { resourceMetrics, errors } = await running.reader.collect({
      timeoutMillis: this.#config.timeoutMs,
    });
    if (errors.length > 0)
      this.logger.warn({ err: errors[0], count: errors.length }, 'metric collection errors');
    const result = await new Promise<ExportResult>((resolve) =>
      running.exporter.export(resourceMetrics, resolve),
    );
    if (result.code === ExportResultCode.SUCCESS) {
      this.exportsSucceeded++;
      if (this.failing) this.logger.info({ url: safeUrl(this.#config.url) }, 'OTLP metrics export recovered');
      this.failing = false;
      return;
    }
    this.exportFailures++;
    const url = safeUrl(this.#config.url);
    const error = new TributaryError(
      MetricsErrorCodes.EXPORT_FAILED,
      `OTLP metrics export to ${url} failed: ${result.error?.message ?? 'unknown error'}`,
      { retriable: true, cause: result.error, context: { url, protocol: this.#config.protocol } },
    );
    this.lastError = error;
    throw error;
  }

  private ensureInstruments(running: Running, family: MetricFamily): void {
    if (running.instrumented.has(family.name)) return;
    running.instrumented.add(family.name);
    const { prefix, includeRates } = this.#config;
    const name = family.name;
    const unit = metricSpec(name)?.otelUnit;
    const base = { description: family.description, ...(unit === undefined ? {} : { unit }) };
    const observe = (result: ObservableResult, read: (m: RegisteredMetric) => number | undefined) => {
      for (const metric of running.families.get(name)?.series ?? []) {
        const value = read(metric);
        if (value !== undefined) result.observe(value, metric.labels as Attributes);
      }
    };
    const readValue = (m: RegisteredMetric) => safeRead(m, this.onReadError);
    if (family.kind === 'counter') {
      // A core Counter can be decremented by mistake; an OTLP monotonic sum must not go down.
      const readCounter = (m: RegisteredMetric) => {
        const value = readValue(m);
        return value === undefined ? undefined : Math.max(0, value);
      };
      running.meter
        .createObservableCounter(otelName(prefix, name), { ...base, valueType: ValueType.DOUBLE })
        .addCallback((result) => observe(result, readCounter));
      if (includeRates) {
        running.meter
          .createObservableGauge(otelRateName(prefix, name), {
            description: `Per-second rate of ${name} over the last export interval.`,
            ...(unit === undefined ? {} : { unit: `${unit}/s` }),
          })
          .addCallback((result) => observe(result, safeRate));
      }
    } else {
      running.meter
        .createObservableGauge(otelName(prefix, name), base)
        .addCallback((result) => observe(result, readValue));
    }
  }

  private registerDroppedSeries(running: Running): void {
    running.meter
      .createObservableGauge(`${this.#config.prefix}droppedSeries`, {
        description: 'Attribute sets not exported because their metric reached maxSeriesPerMetric.',
      })
      .addCallback((result) => {
        for (const [metric, count] of running.limiter.dropped()) result.observe(count, { metric });
      });
  }
}

/** Waits for `work` at most `ms`; never rejects. */
async function withDeadline(
  work: Promise<unknown>,
  ms: number,
): Promise<{ timedOut: boolean; error: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    const raced = await Promise.race([work.then(() => 'done' as const), deadline]);
    return { timedOut: raced === 'timeout', error: undefined };
  } catch (error) {
    return { timedOut: false, error };
  } finally {
    clearTimeout(timer);
    work.catch(() => undefined);
  }
}

/** An OTLP reporter to hand to the runtime (`metricReporters: [otlpReporter({ url })]`). */
export function otlpReporter(options: OtlpReporterOptionsInput & ReporterHooks = {}): OtlpReporter {
  return new OtlpReporter(options);
}
