import type { ServerSettings } from '../harness/server-settings.js';
import { ServiceManager } from '../harness/service-manager.js';
import type { DatabaseServiceName, ServiceName, ServiceState } from '../harness/service-types.js';
import type { HandleContext } from './service-handle-base.js';
import { createServiceHandle, type ServiceHandleOf } from './service-handles.js';

let manager: Promise<ServiceManager> | undefined;
const inFlight = new Map<ServiceName, Promise<ServiceState>>();

/**
 * Asks for a server of one's own instead of the shared one (MariaDB, PostgreSQL): its own
 * process, port and data directory, started for this handle and deleted by its `close()`.
 */
export interface PrivateServerOptions {
  /** A private instance (implied by `settings`). */
  readonly private?: true;
  /**
   * Server settings on top of the harness's, by the server's own names: `[mysqld]` options for
   * MariaDB (`{ binlog_row_metadata: 'MINIMAL', max_binlog_size: 4096 }`), `postgresql.conf`
   * parameters for PostgreSQL (`{ max_connections: 5 }`). Ports and directories are the harness's.
   */
  readonly settings?: ServerSettings;
}

/** What {@link useService} accepts besides the name: private-instance options for databases only. */
export type UseServiceOptions<N extends ServiceName> = N extends DatabaseServiceName
  ? PrivateServerOptions
  : never;

/**
 * The way a test asks for a service:
 *
 * ```ts
 * const kafka = await useService('kafka');
 * afterAll(() => kafka.close());
 * const topic = await kafka.createTopic();
 * ```
 *
 * The server is started on first use and shared by every test file, worker and later run: the
 * manager reuses a healthy recorded instance (one protocol check) and starts one under a file
 * lock otherwise; concurrent calls in one process share one request. Each call returns a new
 * handle, so each test file cleans up only the topics / indices / databases / streams it created.
 * Under `CI=true` the e2e global teardown stops what this run started; locally servers stay up.
 *
 * `useService('postgres', { private: true })` (or with `settings`) starts a server for this
 * handle alone, which the test may `kill()` and `restart()`; `close()` stops it and deletes it.
 */
export async function useService<N extends ServiceName>(
  name: N,
  options?: UseServiceOptions<N>,
): Promise<ServiceHandleOf<N>> {
  const services = await sharedManager();
  const privateOptions = options as PrivateServerOptions | undefined;
  if (
    privateOptions !== undefined &&
    (privateOptions.private === true || privateOptions.settings !== undefined)
  ) {
    return startPrivateHandle(
      services,
      name as N & DatabaseServiceName,
      privateOptions.settings ?? {},
    ) as Promise<ServiceHandleOf<N>>;
  }
  let pending = inFlight.get(name);
  if (pending === undefined) {
    pending = services.ensure(name).finally(() => inFlight.delete(name));
    inFlight.set(name, pending);
  }
  const state = (await pending) as ServiceState<N>;
  return createServiceHandle(state, sharedHandleContext(services, name));
}

/** What a handle on a shared instance may do to it: stop it, and kill or restart a cluster's nodes. */
export function sharedHandleContext(services: ServiceManager, name: ServiceName): HandleContext {
  return {
    stopService: async () => {
      await services.stop(name);
    },
    clusterNodes: {
      kill: (nodeId) => services.killNode(name, nodeId),
      restart: (nodeId) => services.restartNode(name, nodeId),
    },
  };
}

/** Starts a private instance and wires its handle's `kill()`, `restart()` and `close()` to it. */
export async function startPrivateHandle<N extends DatabaseServiceName>(
  services: ServiceManager,
  name: N,
  settings: ServerSettings,
): Promise<ServiceHandleOf<N>> {
  let state = await services.startPrivate(name, settings);
  return createServiceHandle(state, {
    stopService: () => services.stopPrivate(state),
    privateServer: {
      kill: () => services.killPrivate(state),
      restart: async (options) => {
        state = await services.restartPrivate(state, options?.settings);
      },
      destroy: () => services.stopPrivate(state),
    },
  });
}

async function sharedManager(): Promise<ServiceManager> {
  manager ??= ServiceManager.create();
  return manager.catch((error: unknown) => {
    manager = undefined;
    throw error;
  });
}
