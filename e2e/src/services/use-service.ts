import { ServiceManager } from '../harness/service-manager.js';
import type { ServiceName, ServiceState } from '../harness/service-types.js';
import { createServiceHandle, type ServiceHandleOf } from './service-handles.js';

let manager: Promise<ServiceManager> | undefined;
const inFlight = new Map<ServiceName, Promise<ServiceState>>();

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
 */
export async function useService<N extends ServiceName>(name: N): Promise<ServiceHandleOf<N>> {
  manager ??= ServiceManager.create();
  const services = await manager.catch((error: unknown) => {
    manager = undefined;
    throw error;
  });
  let pending = inFlight.get(name);
  if (pending === undefined) {
    pending = services.ensure(name).finally(() => inFlight.delete(name));
    inFlight.set(name, pending);
  }
  const state = (await pending) as ServiceState<N>;
  return createServiceHandle(state, {
    stopService: async () => {
      await services.stop(name);
    },
  });
}
