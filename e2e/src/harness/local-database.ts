import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { TributaryError, toError } from '@tributary/core';
import { ensureBinaries, instancePaths, prepareDataDir, removeInBackground } from './database-files.js';
import { E2eErrorCodes } from './e2e-errors.js';
import { freePort } from './free-port.js';
import { launchLocalServer } from './local-launcher.js';
import {
  crashProcessGroup,
  isRecordedProcessAlive,
  killProcessGroup,
  type ProcessRecord,
  shutdownProcessGroup,
} from './process-group.js';
import { type ServerSettings, validateServerSettings } from './server-settings.js';
import type { ServiceProvider, StartContext } from './service-provider.js';
import type { ConnectionOf, DatabaseServiceName, ServiceState } from './service-types.js';
import { chownRecursive, unprivilegedIds } from './unprivileged-user.js';
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

    async restart(state, context, changes = {}) {
      if (state.owner.kind !== 'process' || state.instanceDir === undefined) throw notOwned(state);
      validateServerSettings(spec.name, changes, spec.reservedSettings);
      const settings = { ...(state.private?.settings ?? {}), ...changes };
      if (state.private === undefined && Object.keys(changes).length > 0) throw notOwned(state);
      await stopProcess(state);
      const paths = { dir: state.instanceDir, dataDir: join(state.instanceDir, 'data') };
      for (const file of spec.staleLockFiles?.(paths) ?? []) rmSync(file, { force: true });
      const launched = await launch(context, paths, {
        settings,
        port: portOf(state.connection),
        probe: state.private === undefined ? spec.sharedProbe : spec.loginProbe,
      });
      const { startedAt: _startedAt, owner: _owner, private: info, ...rest } = state;
      return {
        ...rest,
        ...(info === undefined ? {} : { private: { ...info, settings } }),
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
