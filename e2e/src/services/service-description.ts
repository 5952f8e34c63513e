import type { Logger } from '@tributary/core';
import { ServiceManager } from '../harness/service-manager.js';
import type { BackendKind, DatabaseServiceName, ServiceName } from '../harness/service-types.js';
import { createServiceHandle, type ServiceHandleOf } from './service-handles.js';
import {
  type PrivateServerOptions,
  sharedHandleContext,
  startPrivateHandle,
  type UseServiceOptions,
} from './use-service.js';

/** Options of {@link describeService}. */
export interface DescribeServiceOptions {
  /** Force a backend; otherwise `TRIBUTARY_SERVICES_BACKEND` or auto-detection decides. */
  readonly backend?: BackendKind;
  /** Progress messages (starting, artifact downloads); default: short lines on stderr. */
  readonly logger?: Logger;
}

/**
 * A service before it runs: a cheap, inert description. `start()` finds or starts the shared
 * server (reusing a healthy recorded instance) and returns a new disposable handle on it.
 */
export interface ServiceDescription<N extends ServiceName> {
  readonly name: N;
  /** The forced backend, if any (undefined: chosen at start). */
  readonly backend: BackendKind | undefined;
  start(): Promise<ServiceHandleOf<N>>;
}

/**
 * Describes service `name`. Nothing happens until `start()`:
 *
 * ```ts
 * await using kafka = await describeService('kafka').start();
 * const topic = await kafka.createTopic({ partitions: 3 });
 * ```
 */
export function describeService<N extends ServiceName>(
  name: N,
  options: DescribeServiceOptions & UseServiceOptions<N> = {} as DescribeServiceOptions &
    UseServiceOptions<N>,
): ServiceDescription<N> {
  return {
    name,
    backend: options.backend,
    async start() {
      const manager = await ServiceManager.create(options);
      const privateOptions = options as DescribeServiceOptions & PrivateServerOptions;
      if (privateOptions.private === true || privateOptions.settings !== undefined) {
        return startPrivateHandle(
          manager,
          name as N & DatabaseServiceName,
          privateOptions.settings ?? {},
        ) as Promise<ServiceHandleOf<N>>;
      }
      const state = await manager.ensure(name);
      return createServiceHandle(state, sharedHandleContext(manager, name));
    },
  };
}
