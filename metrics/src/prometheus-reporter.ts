import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type Logger,
  type MetricLabels,
  type MetricRegistry,
  type MetricReporter,
  type MetricReporterStopContext,
  type RegisteredMetric,
  TributaryError,
} from '@tributary/core';
import { Counter, Gauge, Registry } from 'prom-client';
import {
  prometheusCounterName,
  prometheusGaugeName,
  prometheusRateName,
  sanitizePrometheusLabel,
} from './metric-names.js';
import {
  collectFamilies,
  freezeMetrics,
  type MetricFamily,
  type MetricSource,
  safeRate,
  safeRead,
} from './metric-snapshot.js';
import { MetricsErrorCodes } from './metrics-errors.js';
import {
  type PrometheusReporterConfig,
  PrometheusReporterOptions,
  type PrometheusReporterOptionsInput,
  type PushgatewayConfig,
} from './prometheus-reporter-options.js';
import { subscribeTicks } from './registry-ticker.js';
import {
  oncePerMetric,
  type ReporterHooks,
  reporterLogger,
  safeUrl,
  stateError,
} from './reporter-support.js';
import { SeriesLimiter } from './series-limiter.js';

/** The prom-client metrics exported for one registry metric name. */
interface ExportedFamily {
  readonly labelNames: readonly string[];
  readonly promNames: readonly string[];
}

interface Running {
  /** The live registry, or the frozen final values while the endpoint lingers after the job. */
  source: MetricSource;
  readonly server: Server;
  readonly port: number;
  readonly releaseTicks: () => void;
  /** Set while the endpoint serves a finished job's final values. */
  linger: NodeJS.Timeout | undefined;
}

/**
 * Serves the registry as a Prometheus text endpoint (`GET /metrics`), built on prom-client with
 * a private `Registry` (never the global one, so two jobs in one process do not collide).
 *
 * - Counters become Prometheus counters `<prefix><name>_total`; with `includeRates`, each also
 *   gets a `<prefix><name>PerSecond` gauge (Flink's meter name) computed from registry ticks.
 * - Gauges become `<prefix><name>` and are read lazily in prom-client collect callbacks, i.e.
 *   at scrape time; a gauge with no value yet (`undefined`) is left out rather than shown as 0.
 * - Registry labels (`job`, `operator`, `subtask`, `topic`, `partition` ...) become Prometheus
 *   labels; `job` is exported as `job_name` (option `jobLabel`) because Prometheus owns the `job`
 *   label of every scraped series. At most `maxSeriesPerMetric` label sets are exported per name; the rest are counted
 *   in `<prefix>droppedSeries{metric="<name>"}` and logged once.
 *
 * Create it with {@link prometheusReporter} (the runtime calls `start`/`stop`) or
 * {@link startPrometheusReporter} (a started handle, `await using`-disposable).
 */
export class PrometheusReporter implements MetricReporter, AsyncDisposable {
  readonly name = 'prometheus';
  readonly options: PrometheusReporterConfig;
  private readonly logger: Logger;
  private readonly promRegistry = new Registry();
  private readonly exported = new Map<string, ExportedFamily>();
  /** prom-client name → registry metric name that owns it (to detect name collisions). */
  private readonly owners = new Map<string, string>();
  private readonly collisionsLogged = new Set<string>();
  private readonly promLabels = new WeakMap<RegisteredMetric, Record<string, string>>();
  private readonly onReadError: (metric: RegisteredMetric, error: unknown) => void;
  private limiter: SeriesLimiter;
  private families = new Map<string, MetricFamily>();
  private running: Running | undefined;
  private starting = false;
  private closedSignal: { promise: Promise<void>; resolve: () => void } = settledSignal();
  /** True once the final values were pushed to the configured Pushgateway. */
  pushedToGateway = false;

  constructor(options: PrometheusReporterOptionsInput & ReporterHooks = {}) {
    const { logger, ...rest } = options;
    this.options = PrometheusReporterOptions.parse(rest);
    this.logger = reporterLogger(logger, this.name);
    this.onReadError = oncePerMetric(this.logger);
    this.limiter = this.newLimiter();
    this.registerDroppedSeriesGauge();
  }

  /** The port the endpoint listens on (the picked one when `port` was 0). */
  get port(): number {
    if (this.running === undefined) throw stateError(this.name, 'not started; call start(registry) first');
    return this.running.port;
  }

  /** The scrape URL, with a loopback address when listening on all interfaces. */
  get url(): string {
    const host = this.options.host;
    const local =
      host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
    return `http://${local}:${this.port}${this.options.path}`;
  }

  /** Content type of {@link scrape}'s text (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.promRegistry.contentType;
  }

  /** Binds the HTTP endpoint and starts sampling rates. Rejects with `TRIB_METRICS_LISTEN_FAILED`. */
  async start(registry: MetricRegistry): Promise<void> {
    if (this.running !== undefined || this.starting) throw stateError(this.name, 'already started');
    this.starting = true;
    try {
      const server = createServer((req, res) => {
        void this.handle(req, res);
      });
      const port = await listen(server, this.options.port, this.options.host);
      server.on('error', (error) => this.logger.warn({ err: error }, 'prometheus endpoint error'));
      const releaseTicks = this.options.includeRates
        ? subscribeTicks(registry, this.options.rateIntervalMs)
        : () => {};
      this.running = { source: registry, server, port, releaseTicks, linger: undefined };
      this.closedSignal = openSignal();
    } finally {
      this.starting = false;
    }
  }

  /**
   * Without a context (you stop it): closes the endpoint (open keep-alive connections too) and
   * stops sampling at once. Idempotent; also ends a linger early.
   *
   * From the runtime (the job ended, `context` says how): freezes the job's final values, keeps
   * serving them for `lingerAfterFinishMs` so Prometheus scrapes them, then closes; resolves as
   * soon as the values are frozen. {@link closed} resolves when the endpoint is gone.
   */
  async stop(context?: MetricReporterStopContext): Promise<void> {
    const running = this.running;
    if (running === undefined) return;
    if (context === undefined || running.linger !== undefined) {
      await this.close(running);
      return;
    }
    running.releaseTicks();
    running.source = freezeMetrics(running.source, (metric, error) => this.onReadError(metric, error));
    if (this.options.pushgateway !== undefined) await this.pushFinal(running, this.options.pushgateway);
    const lingerMs = this.options.lingerAfterFinishMs;
    if (lingerMs === 0 || this.running !== running) {
      await this.close(running);
      return;
    }
    // Not unref'd on purpose: a CLI's process stays alive until Prometheus had its chance to scrape.
    running.linger = setTimeout(() => void this.close(running), lingerMs);
    this.logger.info(
      { jobStatus: context.jobStatus, lingerAfterFinishMs: lingerMs, url: this.url },
      'job ended; serving its final metrics until the linger ends',
    );
  }

  /** Resolves when the endpoint is closed (after the linger, when the job ended); at once when not started. */
  get closed(): Promise<void> {
    return this.closedSignal.promise;
  }

  /**
   * PUTs the frozen final values to a Pushgateway (replacing the job's group there), within
   * `timeoutMs`. A failure is logged, never thrown: the job already ended well or badly on its own.
   */
  private async pushFinal(running: Running, gateway: PushgatewayConfig): Promise<void> {
    const jobName = running.source.metrics().find((m) => m.labels.job !== undefined)?.labels.job;
    const group =
      `/metrics/job/${encodeURIComponent(gateway.job)}` +
      (jobName === undefined ? '' : `/tributary_job/${encodeURIComponent(jobName)}`);
    const url = `${gateway.url.replace(/\/+$/, '')}${group}`;
    try {
      const body = await this.scrape();
      const response = await fetch(url, {
        method: 'PUT',
        headers: { 'content-type': this.contentType },
        body,
        signal: AbortSignal.timeout(gateway.timeoutMs),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`);
      this.pushedToGateway = true;
    } catch (error) {
      this.logger.warn(
        { err: error, pushgateway: safeUrl(url) },
        'pushing the final metrics to the Pushgateway failed',
      );
    }
  }

  private async close(running: Running): Promise<void> {
    if (this.running !== running) return this.closedSignal.promise;
    this.running = undefined;
    clearTimeout(running.linger);
    running.releaseTicks();
    await new Promise<void>((resolve) => {
      running.server.close(() => resolve());
      running.server.closeAllConnections();
    });
    // A restarted reporter starts from a clean slate (another registry may come next).
    for (const promName of this.owners.keys()) this.promRegistry.removeSingleMetric(promName);
    this.exported.clear();
    this.owners.clear();
    this.families = new Map();
    this.limiter = this.newLimiter();
    this.closedSignal.resolve();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /**
   * The current exposition text, exactly what `GET <path>` returns. Useful to serve metrics from
   * an HTTP server the application already has.
   */
  async scrape(): Promise<string> {
    const running = this.running;
    if (running === undefined) throw stateError(this.name, 'not started; call start(registry) first');
    this.families = collectFamilies(running.source, this.limiter);
    for (const family of this.families.values()) this.ensureExported(family);
    return this.promRegistry.metrics();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path !== this.options.path) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end();
      return;
    }
    try {
      const body = await this.scrape();
      res.writeHead(200, { 'content-type': this.contentType });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (error) {
      this.logger.warn({ err: error }, 'prometheus scrape failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('metrics collection failed\n');
    }
  }

  /** Creates (or widens, when new label keys appeared) the prom-client metrics for a name. */
  private ensureExported(family: MetricFamily): void {
    const labelNames = new Set<string>();
    for (const metric of family.series)
      for (const key of Object.keys(this.labelsOf(metric))) labelNames.add(key);
    const current = this.exported.get(family.name);
    if (current !== undefined && [...labelNames].every((l) => current.labelNames.includes(l))) return;
    // prom-client fixes label names at construction: rebuild with the union (rare: only when a
    // new label key shows up for this name).
    const names = [...new Set([...(current?.labelNames ?? []), ...labelNames])].sort();
    for (const promName of current?.promNames ?? []) {
      this.promRegistry.removeSingleMetric(promName);
      this.owners.delete(promName);
    }
    const promNames: string[] = [];
    const { prefix } = this.options;
    const name = family.name;
    if (family.kind === 'counter') {
      const counterName = prometheusCounterName(prefix, name);
      if (this.claim(counterName, name)) {
        promNames.push(counterName);
        const counter: Counter = new Counter({
          name: counterName,
          help: family.description,
          labelNames: names,
          registers: [this.promRegistry],
          collect: () => this.fill(counter, name, (m) => safeRead(m, this.onReadError), true),
        });
      }
      const rateName = prometheusRateName(prefix, name);
      if (this.options.includeRates && this.claim(rateName, name)) {
        promNames.push(rateName);
        const rate: Gauge = new Gauge({
          name: rateName,
          help: `Per-second rate of ${name} over the last rate interval.`,
          labelNames: names,
          registers: [this.promRegistry],
          collect: () => this.fill(rate, name, safeRate, false),
        });
      }
    } else {
      const gaugeName = prometheusGaugeName(prefix, name);
      if (this.claim(gaugeName, name)) {
        promNames.push(gaugeName);
        const gauge: Gauge = new Gauge({
          name: gaugeName,
          help: family.description,
          labelNames: names,
          registers: [this.promRegistry],
          collect: () => this.fill(gauge, name, (m) => safeRead(m, this.onReadError), false),
        });
      }
    }
    this.exported.set(name, { labelNames: names, promNames });
  }

  /** Writes the current values of a family into its prom-client metric (a collect callback). */
  private fill(
    target: Counter | Gauge,
    name: string,
    read: (metric: RegisteredMetric) => number | undefined,
    isCounter: boolean,
  ): void {
    target.reset();
    const family = this.families.get(name);
    let wroteUnlabelled = false;
    for (const metric of family?.series ?? []) {
      const value = read(metric);
      if (value === undefined) continue;
      const labels = this.labelsOf(metric);
      if (Object.keys(labels).length === 0) wroteUnlabelled = true;
      // A core Counter can be decremented by mistake; a Prometheus counter cannot go negative.
      if (isCounter) (target as Counter).inc(labels, Math.max(0, value));
      else (target as Gauge).set(labels, value);
    }
    // prom-client seeds an unlabelled series with 0 on reset; "no value" must not read as 0.
    if (!wroteUnlabelled) target.remove({});
  }

  /** Reserves a Prometheus name for a registry metric; logs once when another metric owns it. */
  private claim(promName: string, metricName: string): boolean {
    const owner = this.owners.get(promName);
    if (owner === undefined || owner === metricName) {
      this.owners.set(promName, metricName);
      return true;
    }
    if (!this.collisionsLogged.has(promName)) {
      this.collisionsLogged.add(promName);
      this.logger.warn(
        { metric: metricName, prometheusName: promName, ownedBy: owner },
        'two metrics map to the same Prometheus name; exporting the first only',
      );
    }
    return false;
  }

  private labelsOf(metric: RegisteredMetric): Record<string, string> {
    let labels = this.promLabels.get(metric);
    if (labels === undefined) {
      labels = sanitizeLabels(metric.labels, this.options.jobLabel);
      this.promLabels.set(metric, labels);
    }
    return labels;
  }

  private newLimiter(): SeriesLimiter {
    return new SeriesLimiter(this.options.maxSeriesPerMetric, (name, dropped) =>
      this.logger.warn(
        { metric: name, dropped, maxSeriesPerMetric: this.options.maxSeriesPerMetric },
        'metric exceeds maxSeriesPerMetric; extra label sets are not exported (counted in droppedSeries)',
      ),
    );
  }

  private registerDroppedSeriesGauge(): void {
    const dropped: Gauge = new Gauge({
      name: `${this.options.prefix}droppedSeries`,
      help: 'Label sets not exported because their metric reached maxSeriesPerMetric.',
      labelNames: ['metric'],
      registers: [this.promRegistry],
      collect: () => {
        dropped.reset();
        for (const [metric, count] of this.limiter.dropped()) dropped.set({ metric }, count);
      },
    });
  }
}

function openSignal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

function settledSignal(): { promise: Promise<void>; resolve: () => void } {
  return { promise: Promise.resolve(), resolve: () => {} };
}

function sanitizeLabels(labels: MetricLabels, jobLabel: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) {
    out[key === 'job' ? jobLabel : sanitizePrometheusLabel(key)] = value;
  }
  return out;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) =>
      reject(
        new TributaryError(
          MetricsErrorCodes.LISTEN_FAILED,
          `Prometheus endpoint could not listen on ${host}:${port}: ${error.message}. Choose a free port (0 picks one) or another host.`,
          { cause: error, context: { host, port } },
        ),
      );
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * A Prometheus reporter to hand to the runtime (`metricReporters: [prometheusReporter({ port })]`).
 * Options are validated now; the endpoint opens on `start(registry)`.
 */
export function prometheusReporter(
  options: PrometheusReporterOptionsInput & ReporterHooks = {},
): PrometheusReporter {
  return new PrometheusReporter(options);
}

/**
 * Starts a Prometheus endpoint for `registry` and returns the running handle (its `port` is the
 * bound one). Dispose with `await using` or `stop()`.
 */
export async function startPrometheusReporter(
  registry: MetricRegistry,
  options: PrometheusReporterOptionsInput & ReporterHooks = {},
): Promise<PrometheusReporter> {
  const reporter = new PrometheusReporter(options);
  await reporter.start(registry);
  return reporter;
}
