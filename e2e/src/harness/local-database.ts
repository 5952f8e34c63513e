import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@tributary/core';
import { TributaryError, toError } from '@tributary/core';
import { E2eErrorCodes } from './e2e-errors.js';
import { withFileLock } from './file-lock.js';
import { freePort } from './free-port.js';
import { cacheRootDir } from './harness-paths.js';
import { launchLocalServer } from './local-launcher.js';
import {
  crashProcessGroup,
  isRecordedProcessAlive,
  killProcessGroup,
  type ProcessRecord,
  shutdownProcessGroup,
} from './process-group.js';
import { aptInstall, runCommand } from './run-command.js';
import { type ServerSettings, validateServerSettings } from './server-settings.js';
import type { ServiceProvider, StartContext } from './service-provider.js';
import type { ConnectionOf, DatabaseServiceName, ServiceState } from './service-types.js';
import { chownRecursive, unprivilegedIds, unprivilegedRuntimeDir } from './unprivileged-user.js';
import { waitUntil } from './wait-until.js';

/** The installed programs of one database server. */
export interface DatabaseBinaries {
  /** Server version as the binary reports it, e.g. `10.11.19`. */
  readonly version: string;
  /** The server (`mariadbd`, `postgres`). */
  readonly server: string;
  /** The data directory initializer (`mariadb-install-db`, `initdb`). */
  readonly initializer: string;
}

/** Where one instance keeps its files. */
export interface InstancePaths {
  /** The instance's directory (config, pid and socket files). */
  readonly dir: string;
  /** Its data directory, `<dir>/data`. */
  readonly dataDir: string;
}

/** What differs between MariaDB and PostgreSQL; {@link localDatabaseProvider} does the rest. */
export interface LocalDatabaseSpec<N extends DatabaseServiceName> {
  readonly name: N;
  /** Debian packages that bring the binaries, installed with apt-get when they are missing (root). */
  readonly aptPackages: readonly string[];
  /** Settings the harness owns (ports, directories); a private instance may not change them. */
  readonly reservedSettings: readonly string[];
  /** The signal that makes the server shut down quickly but cleanly. */
  readonly stopSignal: NodeJS.Signals;
  /** Finds the installed binaries; undefined when they are not installed. */
  findBinaries(): DatabaseBinaries | undefined;
  /** Creates an empty data directory at `dataDir` (run as `ids` when given). */
  initialize(
    binaries: DatabaseBinaries,
    dataDir: string,
    ids: { uid: number; gid: number } | undefined,
  ): Promise<void>;
  /** Writes the instance's config (harness settings, then `settings`); returns the server's arguments. */
  configure(paths: InstancePaths, port: number, settings: ServerSettings): readonly string[];
  connection(port: number): ConnectionOf<N>;
  /** `TRIBUTARY_<NAME>_HOST` and friends: an existing server to use as is, or undefined. */
  externalConnection(env?: NodeJS.ProcessEnv): ConnectionOf<N> | undefined;
  /** The shared instance's check (binlog settings, prepared transactions). */
  sharedProbe(connection: ConnectionOf<N>, signal: AbortSignal): Promise<void>;
  /** Any instance's readiness: a login and a trivial query. */
  loginProbe(connection: ConnectionOf<N>, signal: AbortSignal): Promise<void>;
  /**
   * Lock files a killed server left behind (PostgreSQL's `postmaster.pid`), deleted before a
   * restart once no process of the instance is left, so a recycled pid cannot block the start.
   */
  readonly staleLockFiles?: (paths: InstancePaths) => readonly string[];
}

/**
 * A database server run from the machine's installed binaries as a process the harness owns:
 * a data directory copied from a template made once per harness cache (`mariadb-install-db` /
 * `initdb`), a config written by the harness, a free loopback port, its own process group.
 *
 * The shared instance keeps its data directory between runs (a restart costs about a second);
 * private instances get a fresh copy and are deleted by {@link ServiceProvider.destroy}. The
 * machine's own database servers and their configuration are never looked at.
 */
export function localDatabaseProvider<N extends DatabaseServiceName>(
  spec: LocalDatabaseSpec<N>,
): ServiceProvider<N> {
  const versionLabel = (): string =>
    spec.externalConnection() !== undefined ? 'external' : (spec.findBinaries()?.version ?? 'not-installed');

  async function launch(
    context: StartContext,
    paths: InstancePaths,
    options: {
      readonly settings: ServerSettings;
      readonly port?: number;
      readonly probe: (connection: ConnectionOf<N>, signal: AbortSignal) => Promise<void>;
    },
  ): Promise<{ process: ProcessRecord; connection: ConnectionOf<N> }> {
    const binaries = await ensureBinaries(spec, context.logger);
    const ids = unprivilegedIds();
    return launchLocalServer({
      name: spec.name,
      context,
      readyTimeoutMs: 90_000,
      maxAttempts: options.port === undefined ? 3 : 1,
      appendLog: options.port !== undefined,
      plan: async () => {
        const port = options.port ?? (await freePort());
        const args = spec.configure(paths, port, options.settings);
        if (ids !== undefined) chownRecursive(paths.dir, ids.uid, ids.gid);
        return {
          spawn: {
            command: binaries.server,
            args,
            cwd: paths.dir,
            env: { ...process.env, TRIBUTARY_SERVICE: spec.name },
            ...(ids === undefined ? {} : { uid: ids.uid, gid: ids.gid }),
          },
          connection: spec.connection(port),
        };
      },
      probe: options.probe,
    });
  }

  function stateOf(
    context: StartContext,
    paths: InstancePaths,
    launched: { process: ProcessRecord; connection: ConnectionOf<N> },
    extra: Partial<ServiceState<N>> = {},
  ): ServiceState<N> {
    return {
      name: spec.name,
      backend: 'local',
      version: versionLabel(),
      startedAt: new Date().toISOString(),
      ...(context.runId === undefined ? {} : { runId: context.runId }),
      owner: { kind: 'process', process: launched.process },
      connection: launched.connection,
      logFile: context.logFile,
      instanceDir: paths.dir,
      ...extra,
    };
  }

  async function stopProcess(state: ServiceState<N>): Promise<void> {
    if (state.owner.kind === 'process' && isRecordedProcessAlive(state.owner.process)) {
      await shutdownProcessGroup(state.owner.process.pgid, spec.stopSignal, 60_000);
    } else if (state.owner.kind === 'process') {
      // The leader is gone; make sure no worker of it is left (a no-op for an empty group).
      await killProcessGroup(state.owner.process.pgid, 5_000).catch(() => undefined);
    }
  }

  return {
    name: spec.name,
    backend: 'local',
    get version() {
      return versionLabel();
    },

    async start(context) {
      const external = spec.externalConnection();
      if (external !== undefined) {
        // An existing server the user pointed us at: checked, never configured or restarted.
        await waitUntil((signal) => spec.sharedProbe(external, signal), {
          what: `the ${spec.name} server at ${describeEndpoint(external)} (TRIBUTARY_${spec.name.toUpperCase()}_HOST) to be ready`,
          timeoutMs: 30_000,
        });
        return {
          name: spec.name,
          backend: 'local',
          version: 'external',
          startedAt: new Date().toISOString(),
          ...(context.runId === undefined ? {} : { runId: context.runId }),
          owner: { kind: 'external' },
          connection: external,
        };
      }
      const paths = instancePaths(spec.name, `${spec.name}-shared`);
      const reused = await prepareDataDir(spec, paths, context.logger);
      try {
        const launched = await launch(context, paths, { settings: {}, probe: spec.sharedProbe });
        return stateOf(context, paths, launched);
      } catch (error) {
        if (!reused) throw error;
        // A data directory that no longer starts (a disk filled up, a half-written template)
        // should not block every later run: start once more from a fresh copy.
        context.logger.warn(
          `the kept data directory did not start (${toError(error).message.split('\n')[0]}); starting from a fresh copy`,
        );
        rmSync(paths.dir, { recursive: true, force: true });
        await prepareDataDir(spec, paths, context.logger);
        const launched = await launch(context, paths, { settings: {}, probe: spec.sharedProbe });
        return stateOf(context, paths, launched);
      }
    },

    async startPrivate(context, instance) {
      validateServerSettings(spec.name, instance.settings, spec.reservedSettings);
      const paths = instancePaths(spec.name, instance.id);
      rmSync(paths.dir, { recursive: true, force: true });
      await prepareDataDir(spec, paths, context.logger);
      try {
        const launched = await launch(context, paths, {
          settings: instance.settings,
          probe: spec.loginProbe,
        });
        return stateOf(context, paths, launched, { private: instance });
      } catch (error) {
        rmSync(paths.dir, { recursive: true, force: true });
        throw error;
      }
    },

    check: (state, signal) =>
      state.private === undefined
        ? spec.sharedProbe(state.connection, signal)
        : spec.loginProbe(state.connection, signal),

    // Instances recorded by older harness versions (the machine's own servers) are replaced.
    accepts: (state) => state.owner.kind === 'external' || state.instanceDir !== undefined,

    isAlive: async (state) =>
      state.owner.kind === 'external' ||
      (state.owner.kind === 'process' && isRecordedProcessAlive(state.owner.process)),

    async stop(state) {
      await stopProcess(state);
    },

    async kill(state) {
      if (state.owner.kind !== 'process') throw notOwned(state);
      await crashProcessGroup(state.owner.process.pgid);
    },

    async restart(state, context) {
      if (state.owner.kind !== 'process' || state.instanceDir === undefined) throw notOwned(state);
      await stopProcess(state);
      const paths = { dir: state.instanceDir, dataDir: join(state.instanceDir, 'data') };
      for (const file of spec.staleLockFiles?.(paths) ?? []) rmSync(file, { force: true });
      const launched = await launch(context, paths, {
        settings: state.private?.settings ?? {},
        port: portOf(state.connection),
        probe: state.private === undefined ? spec.sharedProbe : spec.loginProbe,
      });
      const { startedAt: _startedAt, owner: _owner, ...rest } = state;
      return {
        ...rest,
        startedAt: new Date().toISOString(),
        owner: { kind: 'process', process: launched.process },
      };
    },

    async destroy(state) {
      await stopProcess(state);
      if (state.instanceDir !== undefined) removeInBackground(state.instanceDir);
    },
  };
}

/**
 * Root of the database instances and templates: `<cache>/databases`, or, when the harness runs
 * as root, `/var/lib/tributary/databases-<cache hash>` (the servers then run as `nobody`, which
 * cannot enter root's home; PostgreSQL refuses to run as root at all).
 */
export function databasesDir(): string {
  if (unprivilegedIds() === undefined) return join(cacheRootDir(), 'databases');
  const cacheKey = createHash('sha256').update(cacheRootDir()).digest('hex').slice(0, 12);
  return join(unprivilegedRuntimeDir(), `databases-${cacheKey}`);
}

/**
 * Deletes a directory without waiting: renamed aside at once (its path is free again), then a
 * detached `rm -rf` that outlives this process. Deleting a data directory takes seconds on a busy
 * disk, which a test's `close()` should not pay.
 */
export function removeInBackground(path: string): void {
  if (!existsSync(path)) return;
  const doomed = `${path}.deleting-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(path, doomed);
  } catch {
    rmSync(path, { recursive: true, force: true });
    return;
  }
  spawn('rm', ['-rf', doomed], { detached: true, stdio: 'ignore' }).unref();
}

function instancePaths(name: DatabaseServiceName, id: string): InstancePaths {
  const dir = join(databasesDir(), 'instances', id.startsWith(name) ? id : `${name}-${id}`);
  return { dir, dataDir: join(dir, 'data') };
}

/** The binaries, installed with apt-get when missing (root only; otherwise a clear error). */
async function ensureBinaries<N extends DatabaseServiceName>(
  spec: LocalDatabaseSpec<N>,
  logger: Logger,
): Promise<DatabaseBinaries> {
  const found = spec.findBinaries();
  if (found !== undefined) return found;
  await aptInstall(spec.aptPackages, (message) => logger.info(message));
  const installed = spec.findBinaries();
  if (installed === undefined) {
    throw new TributaryError(
      E2eErrorCodes.SYSTEM_SERVICE_FAILED,
      `${spec.name}: installed ${spec.aptPackages.join(', ')} but still found no server binaries`,
      { context: { service: spec.name } },
    );
  }
  return installed;
}

/**
 * Makes sure `paths.dataDir` exists: kept as is when it does (returns true), else copied from the
 * template (`cp -a`, which keeps owners and modes; PostgreSQL insists on 0700).
 */
async function prepareDataDir<N extends DatabaseServiceName>(
  spec: LocalDatabaseSpec<N>,
  paths: InstancePaths,
  logger: Logger,
): Promise<boolean> {
  if (existsSync(join(paths.dataDir, READY_MARKER))) return true;
  const template = await ensureTemplate(spec, logger);
  rmSync(paths.dataDir, { recursive: true, force: true });
  mkdirSync(paths.dir, { recursive: true });
  // Copy beside and rename, so an interrupted copy is never taken for a data directory.
  const partial = `${paths.dataDir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  await runCommand('cp', ['-a', template, partial], { timeoutMs: 120_000 });
  renameSync(partial, paths.dataDir);
  return false;
}

/** A file in every data directory copied completely (a half copy is not reused). */
const READY_MARKER = 'tributary-data-ready';

/** The initialized template data directory of this server version, made once per cache under a lock. */
async function ensureTemplate<N extends DatabaseServiceName>(
  spec: LocalDatabaseSpec<N>,
  logger: Logger,
): Promise<string> {
  const binaries = await ensureBinaries(spec, logger);
  const dir = join(databasesDir(), 'templates', `${spec.name}-${binaries.version}`);
  const dataDir = join(dir, 'data');
  if (existsSync(join(dataDir, READY_MARKER))) return dataDir;
  return withFileLock(
    dir,
    async () => {
      if (existsSync(join(dataDir, READY_MARKER))) return dataDir;
      logger.info(`initializing a ${spec.name} ${binaries.version} template data directory (once per cache)`);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const ids = unprivilegedIds();
      if (ids !== undefined) chownRecursive(dir, ids.uid, ids.gid);
      await spec.initialize(binaries, dataDir, ids);
      writeFileSync(join(dataDir, READY_MARKER), `${binaries.version}\n`);
      if (ids !== undefined) chownRecursive(dataDir, ids.uid, ids.gid);
      return dataDir;
    },
    { timeoutMs: 5 * 60_000, what: `${spec.name} template` },
  );
}

function portOf(connection: { readonly port: number }): number {
  return connection.port;
}

function describeEndpoint(connection: { readonly host: string; readonly port: number }): string {
  return `${connection.host}:${connection.port}`;
}

function notOwned(state: ServiceState): TributaryError {
  return new TributaryError(
    E2eErrorCodes.PRIVATE_INSTANCE_REQUIRED,
    `${state.name}: the harness does not run this server (${state.owner.kind}), so it cannot kill or restart it`,
    { context: { service: state.name } },
  );
}
