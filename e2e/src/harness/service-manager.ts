import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@tributary/core';
import { TributaryError, toError } from '@tributary/core';
import { type SelectBackendOptions, selectBackend } from './backend-selection.js';
import { E2eErrorCodes } from './e2e-errors.js';
import { withFileLock } from './file-lock.js';
import { isRecordedProcessAlive, processStartTicks } from './process-group.js';
import { createProgressLogger } from './progress-logger.js';
import { loadProvider } from './provider-registry.js';
import type { ServerSettings } from './server-settings.js';
import type { ServiceProvider, StartContext } from './service-provider.js';
import type {
  BackendKind,
  DatabaseServiceName,
  ServiceName,
  ServiceState,
  ServiceStatus,
} from './service-types.js';
import { ServiceStateStore } from './state-store.js';

/** Options of {@link ServiceManager.create}. */
export interface ServiceManagerOptions extends SelectBackendOptions {
  readonly logger?: Logger;
  readonly store?: ServiceStateStore;
  /** Recorded on instances this manager starts; defaults to `TRIBUTARY_E2E_RUN_ID`. */
  readonly runId?: string;
  /** Where providers come from; the built-in registry by default (tests pass fakes). */
  readonly loadProvider?: <N extends ServiceName>(
    name: N,
    backend: BackendKind,
  ) => Promise<ServiceProvider<N>>;
}

/** What {@link ServiceManager.stop} did. */
export type StopOutcome = 'stopped' | 'not-running' | 'left-running';

/** Health probes of a recorded instance get this long before it counts as unhealthy. */
const HEALTH_CHECK_TIMEOUT_MS = 15_000;
/** A waiter gives up on another process's start after this long (a cold Pulsar start fits). */
const LOCK_WAIT_MS = 25 * 60_000;

/**
 * Finds, starts, reuses and stops services by name, on one backend. Safe to use from several
 * processes at once (vitest workers, `pnpm services`): "ensure started" runs under a per-service
 * file lock, and everything needed to reuse or stop an instance is in its state file.
 */
export class ServiceManager {
  readonly backend: BackendKind;
  readonly logger: Logger;
  readonly store: ServiceStateStore;
  readonly runId: string | undefined;
  private readonly loadProvider: <N extends ServiceName>(
    name: N,
    backend: BackendKind,
  ) => Promise<ServiceProvider<N>>;

  private constructor(backend: BackendKind, options: ServiceManagerOptions) {
    this.backend = backend;
    this.loadProvider = options.loadProvider ?? loadProvider;
    this.logger = options.logger ?? createProgressLogger();
    this.store = options.store ?? new ServiceStateStore();
    const runId = options.runId ?? (options.env ?? process.env).TRIBUTARY_E2E_RUN_ID;
    this.runId = runId === '' ? undefined : runId;
  }

  /** A manager on the backend chosen by {@link selectBackend}. */
  static async create(options: ServiceManagerOptions = {}): Promise<ServiceManager> {
    return new ServiceManager(await selectBackend(options), options);
  }

  /**
   * Returns a healthy instance of `name`: the recorded one when it still answers its protocol,
   * else a freshly started one (after cleaning up a dead or unhealthy recorded instance).
   */
  async ensure<N extends ServiceName>(name: N): Promise<ServiceState<N>> {
    const provider = await this.loadProvider(name, this.backend);
    const recorded = this.store.read(name);
    if (recorded !== undefined && (await this.isReusable(provider, recorded))) return recorded;
    return withFileLock(
      this.store.lockPath(name),
      async () => {
        const current = this.store.read(name);
        if (current !== undefined) {
          if (await this.isReusable(provider, current)) return current;
          this.logger.info({ service: name }, 'recorded instance is gone or unhealthy; cleaning it up');
          await this.stopRecorded(current);
        }
        const workDir = join(this.store.dir, name);
        mkdirSync(workDir, { recursive: true });
        const started = Date.now();
        this.logger.info({ service: name }, `starting (${provider.backend}, ${provider.version})`);
        const state = await provider.start({
          workDir,
          logFile: join(workDir, `${name}.log`),
          runId: this.runId,
          logger: this.logger.child({ service: name }),
        });
        this.store.write(state);
        this.logger.info({ service: name }, `started in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        return state;
      },
      { timeoutMs: LOCK_WAIT_MS, what: `${name} service` },
    );
  }

  /**
   * Stops the recorded instance of `name` and forgets it. An external server the harness does not
   * own (`TRIBUTARY_MARIADB_HOST`, `TRIBUTARY_POSTGRES_HOST`) is left running: `left-running`.
   */
  async stop(name: ServiceName): Promise<StopOutcome> {
    return withFileLock(
      this.store.lockPath(name),
      async () => {
        const recorded = this.store.read(name);
        if (recorded === undefined) return 'not-running';
        const outcome = await this.stopRecorded(recorded);
        return outcome;
      },
      { timeoutMs: LOCK_WAIT_MS, what: `${name} service` },
    );
  }

  /**
   * SIGKILL to node `nodeId` of the recorded cluster `name` (`kafka-cluster`); the other nodes
   * keep serving. Resolves once the node's processes are gone.
   */
  async killNode(name: ServiceName, nodeId: number): Promise<void> {
    const { provider, state } = await this.recordedCluster(name);
    await provider.killNode?.(state, nodeId);
  }

  /**
   * Starts node `nodeId` of the recorded cluster `name` again (same ports and data) and resolves
   * once it rejoined; records its new process, so `down` stops it.
   */
  async restartNode(name: ServiceName, nodeId: number): Promise<void> {
    await withFileLock(
      this.store.lockPath(name),
      async () => {
        const { provider, state } = await this.recordedCluster(name);
        const restart = provider.restartNode;
        if (restart === undefined) throw notCluster(name);
        this.store.write(await restart(state, nodeId, this.logger.child({ service: name })));
      },
      { timeoutMs: LOCK_WAIT_MS, what: `${name} service` },
    );
  }

  private async recordedCluster(
    name: ServiceName,
  ): Promise<{ provider: ServiceProvider; state: ServiceState }> {
    const state = this.store.read(name);
    if (state === undefined) {
      throw new TributaryError(E2eErrorCodes.UNKNOWN_SERVICE, `${name} is not running`, {
        context: { service: name },
      });
    }
    const provider = (await this.loadProvider(name, state.backend)) as ServiceProvider;
    if (provider.killNode === undefined) throw notCluster(name);
    return { provider, state };
  }

  /** Whether `name` is recorded and answering. Never starts anything. */
  async status(name: ServiceName): Promise<ServiceStatus> {
    const recorded = this.store.read(name);
    if (recorded === undefined) return { name, state: 'stopped' };
    const provider = await this.loadProvider(name, recorded.backend);
    try {
      if (!(await provider.isAlive(recorded)))
        return { name, state: 'unhealthy', recorded, detail: 'not running' };
      await provider.check(recorded, AbortSignal.timeout(HEALTH_CHECK_TIMEOUT_MS));
      return { name, state: 'healthy', recorded };
    } catch (error) {
      return { name, state: 'unhealthy', recorded, detail: toError(error).message };
    }
  }

  /** Stops every service recorded as started by test run `runId` (CI teardown). */
  async stopRun(runId: string, names: readonly ServiceName[]): Promise<ServiceName[]> {
    const stopped: ServiceName[] = [];
    for (const name of names) {
      const recorded = this.store.read(name);
      if (recorded?.runId === runId && (await this.stop(name)) === 'stopped') stopped.push(name);
    }
    return stopped;
  }

  /**
   * Starts an instance of `name` for the calling test alone: its own process, port and data, with
   * `settings` on top of the harness's. Private instances always run from the machine's installed
   * binaries (the local provider), whatever the backend. Instances whose asking process died
   * (a killed test worker) are removed first.
   */
  async startPrivate<N extends DatabaseServiceName>(
    name: N,
    settings: ServerSettings = {},
  ): Promise<ServiceState<N>> {
    const provider = await this.loadProvider(name, 'local');
    if (provider.startPrivate === undefined) {
      throw new TributaryError(E2eErrorCodes.UNKNOWN_SERVICE, `${name} has no private instances`, {
        context: { service: name },
      });
    }
    await this.removeOrphans();
    const id = `${name}-${randomBytes(4).toString('hex')}`;
    const workDir = join(this.store.privateDir, id);
    mkdirSync(workDir, { recursive: true });
    const startTicks = processStartTicks(process.pid);
    const started = Date.now();
    this.logger.info({ service: name }, `starting private instance ${id}`);
    try {
      const state = await provider.startPrivate(this.privateContext(name, workDir), {
        id,
        settings,
        holder: { pid: process.pid, ...(startTicks === undefined ? {} : { startTicks }) },
        workDir,
      });
      this.store.writePrivate(state);
      this.logger.info(
        { service: name },
        `private instance ${id} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      return state;
    } catch (error) {
      this.store.removePrivate(id);
      throw error;
    }
  }

  /** SIGKILL to a private instance (the whole process group); resolves when it is gone. */
  async killPrivate<N extends ServiceName>(state: ServiceState<N>): Promise<void> {
    const provider = await this.privateProvider(state);
    await provider.kill?.(state);
  }

  /**
   * Starts a private instance again (same port and data; `settings` merged over its current ones)
   * and resolves when it answers.
   */
  async restartPrivate<N extends ServiceName>(
    state: ServiceState<N>,
    settings?: ServerSettings,
  ): Promise<ServiceState<N>> {
    const provider = await this.privateProvider(state);
    const info = state.private;
    if (provider.restart === undefined || info === undefined) throw notPrivate(state);
    const next = await provider.restart(state, this.privateContext(state.name, info.workDir), settings);
    this.store.writePrivate(next);
    return next;
  }

  /** Stops a private instance and deletes its data and record. */
  async stopPrivate(state: ServiceState): Promise<void> {
    const provider = await this.privateProvider(state);
    await (provider.destroy ?? provider.stop)(state, this.logger.child({ service: state.name }));
    if (state.private !== undefined) this.store.removePrivate(state.private.id);
  }

  /**
   * Stops recorded private instances: of test run `runId`, of service `name`, or all of them
   * (`pnpm services down`). Returns their ids.
   */
  async stopPrivateInstances(filter: { runId?: string; name?: ServiceName } = {}): Promise<string[]> {
    const stopped: string[] = [];
    for (const state of this.store.readPrivate()) {
      if (filter.runId !== undefined && state.runId !== filter.runId) continue;
      if (filter.name !== undefined && state.name !== filter.name) continue;
      await this.stopPrivate(state);
      stopped.push(state.private?.id ?? state.name);
    }
    return stopped;
  }

  /** Private instances whose asking process is gone (it crashed or forgot to close them). */
  async removeOrphans(): Promise<string[]> {
    const removed: string[] = [];
    for (const state of this.store.readPrivate()) {
      const holder = state.private?.holder;
      if (holder === undefined) continue;
      if (isRecordedProcessAlive({ ...holder, pgid: holder.pid, command: '' })) continue;
      this.logger.info(
        { service: state.name },
        `removing private instance ${state.private?.id} (its test process is gone)`,
      );
      await this.stopPrivate(state).catch((error: unknown) =>
        this.logger.warn({ service: state.name }, `could not remove: ${toError(error).message}`),
      );
      removed.push(state.private?.id ?? state.name);
    }
    return removed;
  }

  private async privateProvider<N extends ServiceName>(state: ServiceState<N>): Promise<ServiceProvider<N>> {
    if (state.private === undefined) throw notPrivate(state);
    return this.loadProvider(state.name, 'local');
  }

  private privateContext(name: ServiceName, workDir: string): StartContext {
    return {
      workDir,
      logFile: join(workDir, `${name}.log`),
      runId: this.runId,
      logger: this.logger.child({ service: name }),
    };
  }

  private async isReusable<N extends ServiceName>(
    provider: ServiceProvider<N>,
    state: ServiceState<N>,
  ): Promise<boolean> {
    if (state.backend !== provider.backend || state.version !== provider.version) return false;
    if (provider.accepts !== undefined && !provider.accepts(state)) return false;
    try {
      if (!(await provider.isAlive(state))) return false;
      await provider.check(state, AbortSignal.timeout(HEALTH_CHECK_TIMEOUT_MS));
      return true;
    } catch {
      return false;
    }
  }

  /** Caller holds the lock. */
  private async stopRecorded(state: ServiceState): Promise<StopOutcome> {
    const provider = await this.loadProvider(state.name, state.backend);
    // External servers (and the machine's servers recorded by older harness versions) are not ours.
    const leftRunning =
      state.owner.kind !== 'process' && state.owner.kind !== 'processes' && state.owner.kind !== 'container';
    await provider.stop(state, this.logger.child({ service: state.name }));
    this.store.remove(state.name);
    if (!leftRunning) this.logger.info({ service: state.name }, 'stopped');
    return leftRunning ? 'left-running' : 'stopped';
  }
}

function notCluster(name: ServiceName): TributaryError {
  return new TributaryError(E2eErrorCodes.UNKNOWN_SERVICE, `${name} has no nodes to kill or restart`, {
    context: { service: name },
  });
}

function notPrivate(state: ServiceState): TributaryError {
  return new TributaryError(
    E2eErrorCodes.PRIVATE_INSTANCE_REQUIRED,
    `${state.name}: kill() and restart() need a private instance (useService('${state.name}', { private: true })); the shared server is used by other test files`,
    { context: { service: state.name } },
  );
}
