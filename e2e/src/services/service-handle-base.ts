import { TributaryError, toError } from '@tributary/core';
import { E2eErrorCodes } from '../harness/e2e-errors.js';
import type { ServerSettings } from '../harness/server-settings.js';
import type { BackendKind, ConnectionOf, ServiceName, ServiceState } from '../harness/service-types.js';

/**
 * A started service as a test sees it: connection details plus helpers that create uniquely named
 * resources (topics, indices, databases, streams) and remember them for cleanup.
 *
 * A handle is a cheap view of a shared server. Disposing it (`await using`, `close()`) drops what
 * was created through it and closes its admin clients; it never stops the server, which other
 * test files and workers share. {@link ServiceHandle.stopService} does that explicitly.
 */
export interface ServiceHandle<N extends ServiceName> extends AsyncDisposable {
  readonly name: N;
  readonly backend: BackendKind;
  /** Server version, e.g. `3.9.2`. */
  readonly version: string;
  /** Plain, serializable connection details. */
  readonly connection: ConnectionOf<N>;
  /** Drops every resource created through this handle so far (reverse order). Idempotent. */
  cleanup(): Promise<void>;
  /** {@link cleanup}, then closes the handle's own clients. Idempotent; also `Symbol.asyncDispose`. */
  close(): Promise<void>;
  /** Stops the shared server itself (as `pnpm services down <name>` does). */
  stopService(): Promise<void>;
}

/** What a handle needs besides its recorded state. */
export interface HandleContext {
  /** Stops the server (wired to the service manager). */
  readonly stopService: () => Promise<void>;
  /** Present when the handle owns a private instance (wired to the service manager). */
  readonly privateServer?: PrivateServerControl;
  /** Node faults of a shared cluster (`kafka-cluster`), wired to the service manager. */
  readonly clusterNodes?: ClusterNodeControl;
}

/** How a handle kills and restarts one node of a cluster service. */
export interface ClusterNodeControl {
  kill(nodeId: number): Promise<void>;
  restart(nodeId: number): Promise<void>;
}

/** How a handle controls the private instance it owns. */
export interface PrivateServerControl {
  kill(): Promise<void>;
  restart(options?: RestartOptions): Promise<void>;
  /** Stops the instance and deletes its data. */
  destroy(): Promise<void>;
}

/** Options of {@link ServerFaults.restart}. */
export interface RestartOptions {
  /**
   * Settings changed for this and later starts, merged over the instance's current ones (e.g.
   * `{ binlog_row_metadata: 'MINIMAL' }` to see how a reader copes with a server changed under it).
   */
  readonly settings?: ServerSettings;
}

/**
 * Fault injection on a server private to one test (`useService('postgres', { private: true })`).
 * The shared server refuses both (`TRIB_E2E_PRIVATE_INSTANCE_REQUIRED`): other test files use it.
 */
export interface ServerFaults {
  /** True for an instance private to this handle (its own process, port and data). */
  readonly isPrivate: boolean;
  /**
   * SIGKILL to the server's whole process group, as a crash would; resolves once no process of it
   * is left. Open connections fail, new ones are refused until {@link restart}.
   */
  kill(): Promise<void>;
  /**
   * Starts the server again on the same host, port and data (an orderly shutdown first if it
   * still runs) and resolves once it accepts logins, crash recovery done. Connections opened before
   * are dead; open new ones.
   */
  restart(options?: RestartOptions): Promise<void>;
}

/** Resource bookkeeping and the lifecycle shared by every service handle. */
export abstract class ServiceHandleBase<N extends ServiceName> implements ServiceHandle<N> {
  readonly name: N;
  readonly backend: BackendKind;
  readonly version: string;
  readonly connection: ConnectionOf<N>;
  private readonly context: HandleContext;
  private readonly cleanups: { readonly what: string; readonly drop: () => Promise<void> }[] = [];
  private closed = false;

  protected constructor(state: ServiceState<N>, context: HandleContext) {
    this.name = state.name;
    this.backend = state.backend;
    this.version = state.version;
    this.connection = state.connection;
    this.context = context;
  }

  /** Registers `drop` to run on {@link cleanup}; `what` names the resource in errors. */
  protected track(what: string, drop: () => Promise<void>): void {
    this.cleanups.push({ what, drop });
  }

  /** Forgets a resource the test dropped itself. */
  protected untrack(what: string): void {
    const index = this.cleanups.findIndex((entry) => entry.what === what);
    if (index >= 0) this.cleanups.splice(index, 1);
  }

  /** Throws `TRIB_CLOSED`-style errors for use after close. */
  protected assertOpen(): void {
    if (this.closed) {
      throw new TributaryError(E2eErrorCodes.SERVICE_REQUEST_FAILED, `The ${this.name} handle is closed`, {
        context: { service: this.name },
      });
    }
  }

  /** Wraps a failed helper request in a `TRIB_E2E_SERVICE_REQUEST_FAILED` error naming the resource. */
  protected requestFailed(
    action: string,
    error: unknown,
    context: Record<string, unknown> = {},
  ): TributaryError {
    return new TributaryError(
      E2eErrorCodes.SERVICE_REQUEST_FAILED,
      `${this.name}: ${action} failed: ${toError(error).message}`,
      { cause: error, context: { service: this.name, ...context } },
    );
  }

  async cleanup(): Promise<void> {
    const failures: string[] = [];
    while (this.cleanups.length > 0) {
      const entry = this.cleanups.pop();
      if (entry === undefined) break;
      try {
        await entry.drop();
      } catch (error) {
        failures.push(`${entry.what}: ${toError(error).message}`);
      }
    }
    if (failures.length > 0) {
      throw new TributaryError(
        E2eErrorCodes.SERVICE_REQUEST_FAILED,
        `${this.name}: cleanup failed for ${failures.join('; ')}`,
        { context: { service: this.name } },
      );
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const privateServer = this.context.privateServer;
    if (privateServer !== undefined) {
      // The whole instance goes away with its data; dropping resources one by one is moot.
      this.cleanups.length = 0;
      this.closed = true;
      await this.closeClients().catch(() => undefined);
      await privateServer.destroy();
      return;
    }
    try {
      await this.cleanup();
    } finally {
      this.closed = true;
      await this.closeClients();
    }
  }

  /** See {@link ServerFaults.isPrivate}. */
  get isPrivate(): boolean {
    return this.context.privateServer !== undefined;
  }

  /** {@link ServerFaults.kill} for handles of services with private instances. */
  protected async killServer(): Promise<void> {
    this.assertOpen();
    await this.requirePrivate('kill').kill();
  }

  /** {@link ServerFaults.restart} for handles of services with private instances. */
  protected async restartServer(options?: RestartOptions): Promise<void> {
    this.assertOpen();
    // Clients of the old process are dead; the next helper call opens new ones.
    await this.closeClients().catch(() => undefined);
    await this.requirePrivate('restart').restart(options);
  }

  private requirePrivate(action: string): PrivateServerControl {
    const control = this.context.privateServer;
    if (control === undefined) {
      throw new TributaryError(
        E2eErrorCodes.PRIVATE_INSTANCE_REQUIRED,
        `${this.name}: ${action}() needs a private instance (useService('${this.name}', { private: true })); the shared server is used by other test files`,
        { context: { service: this.name } },
      );
    }
    return control;
  }

  async stopService(): Promise<void> {
    await this.close();
    // A private instance is gone with close().
    if (this.context.privateServer === undefined) await this.context.stopService();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Closes admin clients the handle opened lazily. */
  protected abstract closeClients(): Promise<void>;
}
