import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@tributary/core';
import { toError } from '@tributary/core';
import { type SelectBackendOptions, selectBackend } from './backend-selection.js';
import { withFileLock } from './file-lock.js';
import { createProgressLogger } from './progress-logger.js';
import { loadProvider } from './provider-registry.js';
import type { ServiceProvider } from './service-provider.js';
import type { BackendKind, ServiceName, ServiceState, ServiceStatus } from './service-types.js';
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
   * Stops the recorded instance of `name` and forgets it. A system server the harness did not
   * start (MariaDB, PostgreSQL already running) is left running: `left-running`.
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
    const leftRunning = state.owner.kind === 'system' && !state.owner.startedByHarness;
    await provider.stop(state, this.logger.child({ service: state.name }));
    this.store.remove(state.name);
    if (!leftRunning) this.logger.info({ service: state.name }, 'stopped');
    return leftRunning ? 'left-running' : 'stopped';
  }
}
