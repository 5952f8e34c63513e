import type { Logger } from '@tributary/core';
import type { ServerSettings } from './server-settings.js';
import type { BackendKind, PrivateInstanceInfo, ServiceName, ServiceState } from './service-types.js';

/** What a provider gets when it is asked to start a new instance. */
export interface StartContext {
  /** A directory owned by this service for config, data and logs (wiped by the provider as needed). */
  readonly workDir: string;
  /** The log file the server's stdout and stderr go to. */
  readonly logFile: string;
  /** Id of the test run asking, recorded in the state so CI teardown stops only its own. */
  readonly runId: string | undefined;
  /** Progress messages (artifact downloads, template initialization). */
  readonly logger: Logger;
}

/**
 * One service on one backend: how to start it, check it and stop it. Providers hold no state of
 * their own; everything needed to reuse or stop an instance goes into the returned
 * {@link ServiceState}, which the manager records.
 */
export interface ServiceProvider<N extends ServiceName = ServiceName> {
  readonly name: N;
  readonly backend: BackendKind;
  /** The server version this provider starts (pinned). */
  readonly version: string;
  /**
   * Starts a fresh instance and resolves once a real protocol check passed. On failure nothing
   * is left running and the error carries the log tail.
   */
  start(context: StartContext): Promise<ServiceState<N>>;
  /** Resolves when the recorded instance answers its protocol; throws (with the reason) otherwise. */
  check(state: ServiceState<N>, signal: AbortSignal): Promise<void>;
  /** Cheap liveness without the protocol: is the recorded process / container still there? */
  isAlive(state: ServiceState<N>): Promise<boolean>;
  /**
   * Whether a recorded instance offers everything this provider's instances do (e.g. a listener
   * an older harness did not configure). Not accepted: the manager replaces it. Default: yes.
   */
  accepts?(state: ServiceState<N>): boolean;
  /** Ends the instance; for instances the harness owns, no process is left behind. */
  stop(state: ServiceState<N>, logger: Logger): Promise<void>;
  /**
   * Starts an instance for one test alone (own process, port, data and `settings`); only the
   * local database providers have it. Readiness is a login, whatever the settings.
   */
  startPrivate?(context: StartContext, instance: PrivateInstanceInfo): Promise<ServiceState<N>>;
  /** SIGKILL to the instance's whole process group; resolves when none of it is left. */
  kill?(state: ServiceState<N>): Promise<void>;
  /**
   * Starts the instance again on the same port and data (after {@link kill}, or after an orderly
   * shutdown when it still runs) and resolves when it is ready; returns the new state. `settings`
   * (private instances) are merged over the ones it ran with.
   */
  restart?(
    state: ServiceState<N>,
    context: StartContext,
    settings?: ServerSettings,
  ): Promise<ServiceState<N>>;
  /** Stops the instance and deletes its data (private instances). */
  destroy?(state: ServiceState<N>, logger: Logger): Promise<void>;
  /**
   * Clusters only: SIGKILL to one node's process group, as a crash would; resolves when none of it
   * is left. The other nodes keep serving.
   */
  killNode?(state: ServiceState<N>, nodeId: number): Promise<void>;
  /**
   * Clusters only: starts one node again on its ports and data (after {@link killNode}) and
   * resolves once it rejoined the cluster; returns the new state (the node's new process).
   */
  restartNode?(state: ServiceState<N>, nodeId: number, logger: Logger): Promise<ServiceState<N>>;
}
