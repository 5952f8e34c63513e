import {
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@tributary/core';
import { createConnection } from 'mysql2/promise';
import { isPortOpen } from '../harness/free-port.js';
import { tailFile } from '../harness/process-group.js';
import { aptInstall, runCommand } from '../harness/run-command.js';
import type { ServiceProvider, StartContext } from '../harness/service-provider.js';
import type { MariaDbConnection, ServiceState } from '../harness/service-types.js';
import { waitUntil } from '../harness/wait-until.js';
import {
  MARIADB_CDC_CONFIG,
  MARIADB_CDC_CONFIG_FILE,
  MARIADB_CONF_DIR,
  withConfDirInclude,
} from './mariadb-cdc-config.js';
import { missingCdcSettings, probeMariaDb, readMariaDbSettings } from './mariadb-probe.js';

const MARIADBD = '/usr/sbin/mariadbd';
const MY_CNF = '/etc/mysql/my.cnf';

/** Connection to the system server: `TRIBUTARY_MARIADB_{HOST,PORT,USER,PASSWORD}` or 127.0.0.1:3306 root. */
export function systemMariaDbConnection(env: NodeJS.ProcessEnv = process.env): MariaDbConnection {
  return {
    host: env.TRIBUTARY_MARIADB_HOST || '127.0.0.1',
    port: Number(env.TRIBUTARY_MARIADB_PORT || 3306),
    user: env.TRIBUTARY_MARIADB_USER || 'root',
    password: env.TRIBUTARY_MARIADB_PASSWORD ?? '',
  };
}

/**
 * The machine's MariaDB (Debian `mariadb-server`), shared rather than started per run: a
 * database server is cheap to share and tests isolate themselves with unique databases.
 *
 * `start` makes it usable for CDC tests: installs the package when missing (root + apt-get),
 * starts the server when it is down (`start-stop-daemon`), and when binlog/ROW/GTID settings are
 * missing writes {@link MARIADB_CDC_CONFIG} and restarts it once. `down` stops it only when the
 * harness started it from stopped; a server that was already running keeps running.
 */
export const localMariaDbProvider: ServiceProvider<'mariadb'> = {
  name: 'mariadb',
  backend: 'local',
  version: 'system',

  async start(context: StartContext): Promise<ServiceState<'mariadb'>> {
    const connection = systemMariaDbConnection();
    const log = (message: string) => context.logger.info(message);
    let startedByHarness = false;
    if (!isLoopback(connection.host)) {
      // A server elsewhere (TRIBUTARY_MARIADB_HOST) is used as is; it must be configured already.
      await waitForMariaDb(connection, context, 30_000);
      return recordedState(connection, context, false);
    }
    if (!(await answers(connection))) {
      if (!existsSync(MARIADBD)) await aptInstall(['mariadb-server'], log);
      await startServer(context);
      startedByHarness = true;
    }
    await waitForLogin(connection, context);
    const settings = await readMariaDbSettings(connection);
    const missing = missingCdcSettings(settings);
    if (missing.length > 0) {
      log(
        `server lacks ${missing.join(', ')}; writing ${join(MARIADB_CONF_DIR, MARIADB_CDC_CONFIG_FILE)} and restarting`,
      );
      writeCdcConfig();
      await shutdown(connection, context.logger);
      await startServer(context);
    }
    await waitForMariaDb(connection, context, 60_000);
    return recordedState(connection, context, startedByHarness);
  },

  check: (state, signal) => probeMariaDb(state.connection, signal),

  // A system server has no process of ours to look at; the protocol check decides.
  isAlive: async () => true,

  async stop(state, logger) {
    if (state.owner.kind === 'system' && state.owner.startedByHarness && (await answers(state.connection))) {
      await shutdown(state.connection, logger);
    }
  },
};

function recordedState(
  connection: MariaDbConnection,
  context: StartContext,
  startedByHarness: boolean,
): ServiceState<'mariadb'> {
  return {
    name: 'mariadb',
    backend: 'local',
    version: 'system',
    startedAt: new Date().toISOString(),
    ...(context.runId === undefined ? {} : { runId: context.runId }),
    owner: { kind: 'system', startedByHarness },
    connection,
    logFile: context.logFile,
  };
}

async function answers(connection: MariaDbConnection): Promise<boolean> {
  return isPortOpen(connection.port, connection.host, 1_000);
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1';
}

async function waitForLogin(connection: MariaDbConnection, context: StartContext): Promise<void> {
  await waitUntil(
    async () => {
      const client = await createConnection({ ...connection, connectTimeout: 3_000 });
      await client.end();
    },
    { what: 'MariaDB to accept logins', timeoutMs: 60_000, diagnostics: () => tail(context) },
  );
}

function waitForMariaDb(
  connection: MariaDbConnection,
  context: StartContext,
  timeoutMs: number,
): Promise<void> {
  return waitUntil((signal) => probeMariaDb(connection, signal), {
    what: 'MariaDB to be ready for CDC',
    timeoutMs,
    diagnostics: () => tail(context),
  });
}

/** Starts the system server the Debian way, detached, with its output in the harness log. */
async function startServer(context: StartContext): Promise<void> {
  // The socket/pid directory lives on tmpfs and is gone after a reboot of a fresh machine.
  mkdirSync('/run/mysqld', { recursive: true });
  try {
    const mysqlUid = statSync('/var/lib/mysql').uid;
    const mysqlGid = statSync('/var/lib/mysql').gid;
    chownSync('/run/mysqld', mysqlUid, mysqlGid);
  } catch {
    // Without a data directory the server reports the problem itself.
  }
  await runCommand('start-stop-daemon', [
    '--start',
    '--oknodo',
    '--background',
    '--output',
    context.logFile,
    '--exec',
    MARIADBD,
  ]);
}

/** `SHUTDOWN` over SQL, then waits until the port is closed. */
async function shutdown(connection: MariaDbConnection, logger: Logger): Promise<void> {
  logger.info('shutting down MariaDB');
  const client = await createConnection({ ...connection, connectTimeout: 5_000 });
  try {
    await client.query('SHUTDOWN');
  } catch {
    // The server may drop the connection while shutting down; the port check below decides.
  } finally {
    client.destroy();
  }
  await waitUntil(
    async () => {
      if (await isPortOpen(connection.port, connection.host, 500)) throw new Error('still listening');
      const pid = readPid();
      if (pid !== undefined && existsSync(`/proc/${pid}`)) throw new Error(`mariadbd ${pid} still running`);
    },
    { what: 'MariaDB to shut down', timeoutMs: 60_000 },
  );
}

function readPid(): number | undefined {
  try {
    return Number(readFileSync('/run/mysqld/mysqld.pid', 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

function writeCdcConfig(): void {
  mkdirSync(MARIADB_CONF_DIR, { recursive: true });
  writeFileSync(join(MARIADB_CONF_DIR, MARIADB_CDC_CONFIG_FILE), MARIADB_CDC_CONFIG);
  if (existsSync(MY_CNF)) {
    const target = realpathSync(MY_CNF);
    const updated = withConfDirInclude(readFileSync(target, 'utf8'));
    if (updated !== undefined) writeFileSync(target, updated);
  } else {
    writeFileSync(MY_CNF, `[mysqld]\n!includedir ${MARIADB_CONF_DIR}/\n`);
  }
}

/** The harness's log of the server start plus the server's own error log (where `log-error` points). */
function tail(context: StartContext): string {
  return [context.logFile, '/var/log/mysql/error.log']
    .map((file) => {
      const text = tailFile(file, 30);
      return text === '' ? '' : `--- last lines of ${file} ---\n${text}`;
    })
    .filter((text) => text !== '')
    .join('\n');
}
