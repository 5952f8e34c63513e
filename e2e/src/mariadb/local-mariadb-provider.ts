import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DatabaseBinaries, localDatabaseProvider } from '../harness/local-database.js';
import { runCommand } from '../harness/run-command.js';
import type { MariaDbConnection } from '../harness/service-types.js';
import { probeMariaDb, probeMariaDbLogin } from './mariadb-probe.js';
import {
  MARIADB_RESERVED_SETTINGS,
  mariaDbBootstrapOptionFile,
  mariaDbOptionFile,
} from './mariadb-server-config.js';

/**
 * `TRIBUTARY_MARIADB_HOST` (with `_PORT`, `_USER`, `_PASSWORD`): an existing server to use as is
 * instead of a harness-owned one. Undefined when the host is not set.
 */
export function externalMariaDbConnection(
  env: NodeJS.ProcessEnv = process.env,
): MariaDbConnection | undefined {
  if (!env.TRIBUTARY_MARIADB_HOST) return undefined;
  return {
    host: env.TRIBUTARY_MARIADB_HOST,
    port: Number(env.TRIBUTARY_MARIADB_PORT || 3306),
    user: env.TRIBUTARY_MARIADB_USER || 'root',
    password: env.TRIBUTARY_MARIADB_PASSWORD ?? '',
  };
}

let binaries: DatabaseBinaries | undefined;

/** `mariadbd` and `mariadb-install-db` (Debian paths, then PATH), with the server's version. */
export function findMariaDbBinaries(): DatabaseBinaries | undefined {
  if (binaries !== undefined) return binaries;
  const server = firstExisting(['/usr/sbin/mariadbd', '/usr/local/sbin/mariadbd', ...onPath('mariadbd')]);
  const initializer = firstExisting([
    '/usr/bin/mariadb-install-db',
    '/usr/local/bin/mariadb-install-db',
    ...onPath('mariadb-install-db'),
    '/usr/bin/mysql_install_db',
  ]);
  if (server === undefined || initializer === undefined) return undefined;
  // "mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64 (Debian 12)"
  const output = execFileSync(server, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const version = /Ver\s+(\d+\.\d+\.\d+)/.exec(output)?.[1] ?? 'unknown';
  binaries = { version, server, initializer };
  return binaries;
}

/**
 * MariaDB run by the harness from the installed `mariadbd` (Debian `mariadb-server-core`,
 * installed with apt-get when missing and running as root): its own data directory, option file
 * and port. See {@link localDatabaseProvider} for the lifecycle and `mariadb-server-config.ts`
 * for the settings.
 */
export const localMariaDbProvider = localDatabaseProvider({
  name: 'mariadb',
  // The core package has mariadbd and mariadb-install-db but no system service.
  aptPackages: ['mariadb-server-core'],
  reservedSettings: MARIADB_RESERVED_SETTINGS,
  stopSignal: 'SIGTERM',
  findBinaries: findMariaDbBinaries,

  async initialize(found, dataDir, ids) {
    const optionFile = join(dataDir, '..', 'bootstrap.cnf');
    writeFileSync(optionFile, mariaDbBootstrapOptionFile(dataDir));
    await runCommand(
      found.initializer,
      [
        `--defaults-file=${optionFile}`,
        // Root logs in over TCP without a password (only 127.0.0.1 listens).
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
      ],
      { timeoutMs: 180_000, cwd: join(dataDir, '..'), ...(ids === undefined ? {} : ids) },
    );
  },

  configure(paths, port, settings) {
    const optionFile = join(paths.dir, 'my.cnf');
    writeFileSync(
      optionFile,
      mariaDbOptionFile(
        {
          dataDir: paths.dataDir,
          port,
          socket: socketPath(paths.dir),
          pidFile: join(paths.dir, 'mariadbd.pid'),
        },
        settings,
      ),
    );
    // --defaults-file must come first; it keeps every other option file (the machine's) out.
    return [`--defaults-file=${optionFile}`];
  },

  connection: (port) => ({ host: '127.0.0.1', port, user: 'root', password: '' }),
  externalConnection: externalMariaDbConnection,
  sharedProbe: probeMariaDb,
  loginProbe: probeMariaDbLogin,
});

/** The Unix socket MariaDB insists on; in the instance directory unless that path is too long for one. */
function socketPath(instanceDir: string): string {
  const inside = join(instanceDir, 'mariadbd.sock');
  if (inside.length < 100) return inside;
  return join(
    tmpdir(),
    `tributary-mariadb-${createHash('sha256').update(instanceDir).digest('hex').slice(0, 12)}.sock`,
  );
}

function firstExisting(paths: readonly string[]): string | undefined {
  return paths.find((path) => existsSync(path));
}

function onPath(command: string): string[] {
  return (process.env.PATH ?? '')
    .split(':')
    .filter((dir) => dir !== '')
    .map((dir) => join(dir, command));
}
