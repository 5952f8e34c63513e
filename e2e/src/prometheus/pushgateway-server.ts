import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { TributaryError } from '@tributary/core';
import { E2eErrorCodes } from '../harness/e2e-errors.js';
import { freePort } from '../harness/free-port.js';
import { killProcessGroup, spawnDetached, tailFile } from '../harness/process-group.js';
import { aptInstall } from '../harness/run-command.js';
import { waitUntil } from '../harness/wait-until.js';

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
  const dir = await mkdtemp(join(tmpdir(), 'trib-pushgateway-'));
  const port = await freePort();
  const logFile = join(dir, 'pushgateway.log');
  const child = spawnDetached({
    command: binary,
    args: [`--web.listen-address=127.0.0.1:${port}`],
    logFile,
    cwd: dir,
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await killProcessGroup(child.pgid, 5_000).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil(
      async (signal) => {
        const ready = await fetch(`${url}/-/ready`, { signal });
        if (!ready.ok) throw new Error(`/-/ready answered ${ready.status}`);
      },
      {
        what: 'the pushgateway to be ready',
        timeoutMs: 30_000,
        failFast: () => (child.exited() ? 'pushgateway exited' : undefined),
        diagnostics: () => `\n${tailFile(logFile)}`,
      },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    metrics: async () => (await fetch(`${url}/metrics`)).text(),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
