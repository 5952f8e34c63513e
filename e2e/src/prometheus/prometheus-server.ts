import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { TributaryError } from '@tributary/core';
import { E2eErrorCodes } from '../harness/e2e-errors.js';
import { aptInstall } from '../harness/run-command.js';
import { waitUntil } from '../harness/wait-until.js';
import { startLoopbackServer } from './loopback-server.js';

/** One sample of an instant query: its labels and value. */
export interface PrometheusSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Options of {@link startPrometheus}. */
export interface StartPrometheusOptions {
  /** Scrape (and evaluation) interval; default 1 s, as an operator watching a job closely would set. */
  readonly scrapeIntervalMs?: number;
  /** Progress messages (installing, starting); default: none. */
  readonly log?: (message: string) => void;
}

/**
 * A private Prometheus server on a free loopback port, scraping the targets given with
 * {@link PrometheusServer.setTargets} (file-based service discovery, so targets can change while
 * it runs). Never the system service: its own config, data directory and port, stopped by
 * {@link PrometheusServer.stop}.
 */
export interface PrometheusServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>` (the HTTP API and UI). */
  readonly url: string;
  readonly scrapeIntervalMs: number;
  /** Replaces the scraped targets (`host:port` of `/metrics` endpoints). */
  setTargets(targets: readonly string[]): Promise<void>;
  /** Runs an instant PromQL query (`/api/v1/query`) and returns the vector (a scalar as one sample). */
  query(expr: string): Promise<PrometheusSample[]>;
  /** Waits until Prometheus scraped `target` successfully (`up == 1`) at least once. */
  waitForTarget(target: string, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Where the Prometheus binary is: `PROMETHEUS_BIN`, then `PATH`, then `/usr/bin/prometheus`. */
export function locatePrometheus(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [
    env.PROMETHEUS_BIN,
    ...(env.PATH ?? '').split(delimiter).map((dir) => (dir ? join(dir, 'prometheus') : undefined)),
    '/usr/bin/prometheus',
  ];
  return candidates.find((path): path is string => path !== undefined && existsSync(path));
}

/**
 * Finds Prometheus, or installs Debian's `prometheus` package (root + apt-get) on a fresh machine;
 * fails with `TRIB_E2E_SYSTEM_SERVICE_FAILED` naming what to install when neither works.
 */
export async function ensurePrometheus(log: (message: string) => void = () => {}): Promise<string> {
  const found = locatePrometheus();
  if (found !== undefined) return found;
  await aptInstall(['prometheus'], log);
  const installed = locatePrometheus();
  if (installed === undefined) {
    throw new TributaryError(
      E2eErrorCodes.SYSTEM_SERVICE_FAILED,
      'apt-get installed prometheus but no prometheus binary is on PATH or in /usr/bin; set PROMETHEUS_BIN',
    );
  }
  return installed;
}

/** Starts a private Prometheus (installing it first when missing); see {@link PrometheusServer}. */
export async function startPrometheus(options: StartPrometheusOptions = {}): Promise<PrometheusServer> {
  const log = options.log ?? (() => {});
  const binary = await ensurePrometheus(log);
  const scrapeIntervalMs = options.scrapeIntervalMs ?? 1_000;
  let targetsFile = '';
  const { url, stop } = await startLoopbackServer({
    name: 'prometheus',
    binary,
    prepare: async (dir) => {
      targetsFile = join(dir, 'targets.json');
      await writeFile(targetsFile, '[]\n');
      const interval = `${scrapeIntervalMs}ms`;
      // JSON is valid YAML: no YAML library needed.
      const config = {
        global: { scrape_interval: interval, evaluation_interval: interval },
        scrape_configs: [
          {
            job_name: 'tributary',
            scrape_timeout: `${Math.min(scrapeIntervalMs, 10_000)}ms`,
            file_sd_configs: [{ files: [targetsFile], refresh_interval: '1s' }],
          },
        ],
      };
      await writeFile(join(dir, 'prometheus.yml'), `${JSON.stringify(config, null, 2)}\n`);
    },
    args: (port, dir) => [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h',
    ],
    readyTimeoutMs: 60_000,
    log,
  });

  const query = async (expr: string): Promise<PrometheusSample[]> => {
    const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await response.json()) as {
      status: string;
      error?: string;
      data?: { resultType: string; result: unknown };
    };
    if (body.status !== 'success' || body.data === undefined) {
      throw new TributaryError(
        E2eErrorCodes.SERVICE_REQUEST_FAILED,
        `Prometheus query failed: ${body.error ?? response.status}: ${expr}`,
        { context: { expr } },
      );
    }
    const { resultType, result } = body.data;
    if (resultType === 'scalar') return [{ labels: {}, value: Number((result as [number, string])[1]) }];
    if (resultType !== 'vector') {
      throw new TributaryError(E2eErrorCodes.SERVICE_REQUEST_FAILED, `Expected a vector, got ${resultType}`);
    }
    return (result as { metric: Record<string, string>; value: [number, string] }[]).map((r) => ({
      labels: r.metric,
      value: Number(r.value[1]),
    }));
  };

  return {
    url,
    scrapeIntervalMs,
    setTargets: async (targets) => {
      await writeFile(targetsFile, `${JSON.stringify([{ targets: [...targets] }])}\n`);
    },
    query,
    waitForTarget: async (target, timeoutMs = 30_000) => {
      await waitUntil(
        async () => {
          const up = await query(`up{instance="${target}"}`);
          if (!up.some((s) => s.value === 1)) throw new Error(`${target} not scraped yet`);
        },
        { what: `prometheus to scrape ${target}`, timeoutMs, maxIntervalMs: 200 },
      );
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
