import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { TributaryError } from '@tributary/core';
import { E2eErrorCodes } from '../harness/e2e-errors.js';
import { aptInstall } from '../harness/run-command.js';
import { startLoopbackServer } from './loopback-server.js';

/** A private Prometheus Pushgateway on a free loopback port (never a system service). */
export interface PushgatewayServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`: push to `<url>/metrics/job/<job>`, read everything at `<url>/metrics`. */
  readonly url: string;
  /** The exposition text of everything pushed so far (`GET /metrics`). */
  metrics(): Promise<string>;
  stop(): Promise<void>;
}

/** `PUSHGATEWAY_BIN`, then `prometheus-pushgateway` / `pushgateway` on `PATH` or in `/usr/bin`. */
export function locatePushgateway(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = [...(env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/bin'];
  const candidates = [
    env.PUSHGATEWAY_BIN,
    ...dirs.flatMap((dir) => [join(dir, 'prometheus-pushgateway'), join(dir, 'pushgateway')]),
  ];
  return candidates.find((path): path is string => path !== undefined && existsSync(path));
}

/**
 * Starts a Pushgateway, installing Debian's `prometheus-pushgateway` (root + apt-get) when it is
 * missing; fails with `TRIB_E2E_SYSTEM_SERVICE_FAILED` saying what to install otherwise.
 */
export async function startPushgateway(
  log: (message: string) => void = () => {},
): Promise<PushgatewayServer> {
  let binary = locatePushgateway();
  if (binary === undefined) {
    await aptInstall(['prometheus-pushgateway'], log);
    binary = locatePushgateway();
  }
  if (binary === undefined) {
    throw new TributaryError(
      E2eErrorCodes.SYSTEM_SERVICE_FAILED,
      'No Pushgateway binary after installing prometheus-pushgateway; set PUSHGATEWAY_BIN',
    );
  }
  const { url, stop } = await startLoopbackServer({
    name: 'pushgateway',
    binary,
    args: (port) => [`--web.listen-address=127.0.0.1:${port}`],
    readyTimeoutMs: 30_000,
    log,
  });
  return {
    url,
    metrics: async () => (await fetch(`${url}/metrics`)).text(),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
