import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Logger } from '@tributary/core';
import pg from 'pg';
import { isPortOpen } from '../harness/free-port.js';
import { tailFile } from '../harness/process-group.js';
import { aptInstall, runCommand } from '../harness/run-command.js';
import type { ServiceProvider, StartContext } from '../harness/service-provider.js';
import type { PostgresConnection, ServiceState } from '../harness/service-types.js';
import { waitUntil } from '../harness/wait-until.js';
import { probePostgres, readMaxPreparedTransactions } from './postgres-probe.js';

/** `max_prepared_transactions` the harness sets when the server has 0. */
export const POSTGRES_MAX_PREPARED_TRANSACTIONS = 64;

/** Connection to the system server: `TRIBUTARY_POSTGRES_{HOST,PORT,USER,PASSWORD}` or 127.0.0.1:5432 postgres. */
export function systemPostgresConnection(env: NodeJS.ProcessEnv = process.env): PostgresConnection {
  return {
    host: env.TRIBUTARY_POSTGRES_HOST || '127.0.0.1',
    port: Number(env.TRIBUTARY_POSTGRES_PORT || 5432),
    user: env.TRIBUTARY_POSTGRES_USER || 'postgres',
    password: env.TRIBUTARY_POSTGRES_PASSWORD ?? '',
    database: 'postgres',
  };
}

/**
 * The machine's PostgreSQL (Debian `postgresql`, cluster `main`), shared like MariaDB: tests
 * isolate themselves with unique databases.
 *
 * `start` installs the package when missing (root + apt-get), starts the cluster when it is down
 * (`pg_ctlcluster --skip-systemctl-redirect <version> main start`), lets 127.0.0.1 log in with
 * `trust` when a password is demanded, and enables prepared transactions
 * (`ALTER SYSTEM SET max_prepared_transactions`, then one restart). `down` stops the cluster only
 * when the harness started it from stopped.
 */
export const localPostgresProvider: ServiceProvider<'postgres'> = {
  name: 'postgres',
  backend: 'local',
  version: 'system',

  async start(context: StartContext): Promise<ServiceState<'postgres'>> {
    const connection = systemPostgresConnection();
    const log = (message: string) => context.logger.info(message);
    if (!isLoopback(connection.host)) {
      await waitForPostgres(connection, 30_000);
      return recordedState(connection, context, false);
    }
    if (clusterVersion() === undefined) await aptInstall(['postgresql'], log);
    const version = clusterVersion();
    if (version === undefined)
      throw new Error('No PostgreSQL cluster under /etc/postgresql after installing');
    let startedByHarness = false;
    if (!(await isPortOpen(connection.port, connection.host, 1_000))) {
      log(`starting cluster ${version}/main`);
      await pgCtlCluster(version, 'start');
      startedByHarness = true;
    }
    await waitForLogin(connection, version, log);
    if ((await readMaxPreparedTransactions(connection)) <= 0) {
      log(
        `enabling prepared transactions (max_prepared_transactions=${POSTGRES_MAX_PREPARED_TRANSACTIONS}); restarting`,
      );
      const client = new pg.Client({ ...connection, connectionTimeoutMillis: 5_000 });
      await client.connect();
      try {
        await client.query(
          `ALTER SYSTEM SET max_prepared_transactions = ${POSTGRES_MAX_PREPARED_TRANSACTIONS}`,
        );
      } finally {
        await client.end();
      }
      await pgCtlCluster(version, 'restart');
    }
    await waitForPostgres(connection, 60_000);
    return recordedState(connection, context, startedByHarness);
  },

  check: (state, signal) => probePostgres(state.connection, signal),

  isAlive: async () => true,

  async stop(state, logger: Logger) {
    if (state.owner.kind !== 'system' || !state.owner.startedByHarness) return;
    const version = clusterVersion();
    if (version === undefined || !(await isPortOpen(state.connection.port, state.connection.host, 1_000)))
      return;
    logger.info(`stopping cluster ${version}/main`);
    await pgCtlCluster(version, 'stop');
  },
};

function recordedState(
  connection: PostgresConnection,
  context: StartContext,
  startedByHarness: boolean,
): ServiceState<'postgres'> {
  return {
    name: 'postgres',
    backend: 'local',
    version: 'system',
    startedAt: new Date().toISOString(),
    ...(context.runId === undefined ? {} : { runId: context.runId }),
    owner: { kind: 'system', startedByHarness },
    connection,
    ...(serverLogFile() === undefined ? {} : { logFile: serverLogFile() as string }),
  };
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1';
}

/** The newest cluster version under /etc/postgresql (`15`), or undefined when none is installed. */
function clusterVersion(): string | undefined {
  try {
    return readdirSync('/etc/postgresql')
      .filter((entry) => /^\d+$/.test(entry) && existsSync(`/etc/postgresql/${entry}/main`))
      .sort((a, b) => Number(b) - Number(a))[0];
  } catch {
    return undefined;
  }
}

function pgCtlCluster(version: string, action: 'start' | 'stop' | 'restart' | 'reload'): Promise<unknown> {
  return runCommand('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', action], {
    timeoutMs: 120_000,
  });
}

/**
 * Waits for a login; a server that refuses the password-less harness user on 127.0.0.1 gets
 * `trust` lines for loopback prepended to its pg_hba.conf (test machines only) and a reload.
 */
async function waitForLogin(
  connection: PostgresConnection,
  version: string,
  log: (message: string) => void,
): Promise<void> {
  let trustAdded = false;
  await waitUntil(
    async () => {
      const client = new pg.Client({ ...connection, connectionTimeoutMillis: 3_000 });
      try {
        await client.connect();
      } catch (error) {
        const code = (error as { code?: string }).code;
        const passwordDemanded = code === '28P01' || code === '28000' || /password/i.test(String(error));
        if (passwordDemanded && !trustAdded && connection.password === '') {
          trustAdded = true;
          log('127.0.0.1 asks for a password; allowing trust authentication for loopback');
          allowLoopbackTrust(version);
          await pgCtlCluster(version, 'reload');
        }
        throw error;
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    { what: 'PostgreSQL to accept logins', timeoutMs: 60_000, diagnostics: () => serverLogTail() },
  );
}

function allowLoopbackTrust(version: string): void {
  const path = `/etc/postgresql/${version}/main/pg_hba.conf`;
  const current = readFileSync(path, 'utf8');
  const lines = ['host all all 127.0.0.1/32 trust', 'host all all ::1/128 trust'];
  if (lines.every((line) => current.includes(line))) return;
  writeFileSync(
    path,
    `# Added by @tributary/e2e (test machine): loopback logins without a password.\n${lines.join('\n')}\n${current}`,
  );
}

function waitForPostgres(connection: PostgresConnection, timeoutMs: number): Promise<void> {
  return waitUntil((signal) => probePostgres(connection, signal), {
    what: 'PostgreSQL to be ready (prepared transactions enabled)',
    timeoutMs,
    diagnostics: () => serverLogTail(),
  });
}

/** The cluster's own log (Debian keeps it in /var/log/postgresql). */
function serverLogFile(): string | undefined {
  const version = clusterVersion();
  return version === undefined ? undefined : `/var/log/postgresql/postgresql-${version}-main.log`;
}

function serverLogTail(): string {
  const file = serverLogFile();
  if (file === undefined) return '';
  const text = tailFile(file, 30);
  return text === '' ? '' : `--- last lines of ${file} ---\n${text}`;
}
