import { TributaryError, toError } from '@tributary/core';
import { E2eErrorCodes } from '../harness/e2e-errors.js';
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
    try {
      await this.cleanup();
    } finally {
      this.closed = true;
      await this.closeClients();
    }
  }

  async stopService(): Promise<void> {
    await this.close();
    await this.context.stopService();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Closes admin clients the handle opened lazily. */
  protected abstract closeClients(): Promise<void>;
}
