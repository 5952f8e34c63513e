import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DatabaseBinaries, localDatabaseProvider } from '../harness/local-database.js';
import { runCommand } from '../harness/run-command.js';
import type { PostgresConnection } from '../harness/service-types.js';
import { probePostgres, probePostgresLogin } from './postgres-probe.js';
import { POSTGRES_RESERVED_SETTINGS, postgresConf } from './postgres-server-config.js';

export { POSTGRES_MAX_PREPARED_TRANSACTIONS } from './postgres-server-config.js';

/**
 * `TRIBUTARY_POSTGRES_HOST` (with `_PORT`, `_USER`, `_PASSWORD`): an existing server to use as
 * is instead of a harness-owned one. Undefined when the host is not set.
 */
export function externalPostgresConnection(
  env: NodeJS.ProcessEnv = process.env,
): PostgresConnection | undefined {
  if (!env.TRIBUTARY_POSTGRES_HOST) return undefined;
  return {
    host: env.TRIBUTARY_POSTGRES_HOST,
    port: Number(env.TRIBUTARY_POSTGRES_PORT || 5432),
    user: env.TRIBUTARY_POSTGRES_USER || 'postgres',
    password: env.TRIBUTARY_POSTGRES_PASSWORD ?? '',
    database: 'postgres',
  };
}

let binaries: DatabaseBinaries | undefined;

/**
 * `postgres` and `initdb`: `TRIBUTARY_POSTGRES_BIN_DIR`, else the newest Debian
 * `/usr/lib/postgresql/<major>/bin`, else PATH; with the server's version.
 */
export function findPostgresBinaries(env: NodeJS.ProcessEnv = process.env): DatabaseBinaries | undefined {
  if (binaries !== undefined) return binaries;
  const dirs = [
    ...(env.TRIBUTARY_POSTGRES_BIN_DIR ? [env.TRIBUTARY_POSTGRES_BIN_DIR] : []),
    ...debianBinDirs(),
    ...(env.PATH ?? '').split(':').filter((dir) => dir !== ''),
  ];
  const dir = dirs.find(
    (candidate) => existsSync(join(candidate, 'postgres')) && existsSync(join(candidate, 'initdb')),
  );
  if (dir === undefined) return undefined;
  const server = join(dir, 'postgres');
  // "postgres (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"
  const output = execFileSync(server, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const version = /\)\s+(\d+(?:\.\d+)+)/.exec(output)?.[1] ?? 'unknown';
  binaries = { version, server, initializer: join(dir, 'initdb') };
  return binaries;
}

/**
 * PostgreSQL run by the harness from the installed `postgres` (Debian `postgresql`, installed with
 * apt-get when missing and running as root): its own data directory, `postgresql.conf` and port.
 * PostgreSQL refuses to run as root, so as root it runs as `nobody` (see `unprivileged-user.ts`).
 * See {@link localDatabaseProvider} for the lifecycle and `postgres-server-config.ts` for the settings.
 */
export const localPostgresProvider = localDatabaseProvider({
  name: 'postgres',
  aptPackages: ['postgresql'],
  reservedSettings: POSTGRES_RESERVED_SETTINGS,
  // Fast shutdown: ends sessions, checkpoints, exits (SIGTERM would wait for clients to leave).
  stopSignal: 'SIGINT',
  findBinaries: () => findPostgresBinaries(),

  async initialize(found, dataDir, ids) {
    await runCommand(
      found.initializer,
      [
        '-D',
        dataDir,
        '--auth=trust',
        '--username=postgres',
        '--encoding=UTF8',
        '--no-locale',
        // A template only: instances started from it sync their own writes.
        '--no-sync',
      ],
      { timeoutMs: 180_000, cwd: join(dataDir, '..'), ...(ids === undefined ? {} : ids) },
    );
  },

  configure(paths, port, settings) {
    writeFileSync(join(paths.dataDir, 'postgresql.conf'), postgresConf(port, settings));
    return ['-D', paths.dataDir];
  },

  connection: (port) => ({ host: '127.0.0.1', port, user: 'postgres', password: '', database: 'postgres' }),
  externalConnection: externalPostgresConnection,
  sharedProbe: probePostgres,
  loginProbe: probePostgresLogin,
  staleLockFiles: (paths) => [join(paths.dataDir, 'postmaster.pid')],
});

function debianBinDirs(): string[] {
  try {
    return readdirSync('/usr/lib/postgresql')
      .filter((entry) => /^\d+$/.test(entry))
      .sort((a, b) => Number(b) - Number(a))
      .map((major) => `/usr/lib/postgresql/${major}/bin`);
  } catch {
    return [];
  }
}
