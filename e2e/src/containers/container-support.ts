import { TributaryError, toError } from '@tributary/core';
import { type GenericContainer, getContainerRuntimeClient, type StartedTestContainer } from 'testcontainers';
import { E2eErrorCodes } from '../harness/e2e-errors.js';
import type { ServiceProvider, StartContext } from '../harness/service-provider.js';
import type { ConnectionOf, ServiceName, ServiceState } from '../harness/service-types.js';
import { waitUntil } from '../harness/wait-until.js';

/** Label on every container the harness starts, naming the service. */
export const SERVICE_LABEL = 'dev.tributary.e2e.service';

/** The host the Docker engine publishes ports on, as the test process reaches it. */
export async function containerHost(): Promise<string> {
  const client = await getContainerRuntimeClient();
  return client.info.containerRuntime.host;
}

/**
 * Starts a service container that outlives this process. `withReuse()` keeps testcontainers'
 * reaper (Ryuk) from removing it when the starting process exits: the harness shares a service
 * across vitest workers and runs, records the container id, and removes it itself on `down` or
 * at the end of a CI run.
 */
export function startServiceContainer(
  name: ServiceName,
  container: GenericContainer,
): Promise<StartedTestContainer> {
  return container
    .withLabels({ [SERVICE_LABEL]: name })
    .withReuse()
    .start();
}

/** True when container `id` exists and runs. */
export async function isContainerRunning(id: string): Promise<boolean> {
  try {
    const client = await getContainerRuntimeClient();
    const info = await client.container.inspect(client.container.getById(id));
    return info.State.Running;
  } catch {
    return false;
  }
}

/** Stops and removes container `id` (and its anonymous volumes); a missing container is fine. */
export async function removeContainer(id: string): Promise<void> {
  const client = await getContainerRuntimeClient();
  const container = client.container.getById(id);
  try {
    await client.container.stop(container, { timeout: 20 });
  } catch {
    // Already stopped or gone.
  }
  try {
    await client.container.remove(container, { removeVolumes: true });
  } catch (error) {
    if (!/no such container|404/i.test(toError(error).message)) throw error;
  }
}

/** The last lines of a container's output (stdout and stderr), for start failure messages. */
export async function containerLogTail(id: string, lines = 40): Promise<string> {
  try {
    const client = await getContainerRuntimeClient();
    const raw = (await client.container
      .getById(id)
      .logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
    return demultiplex(raw).trimEnd();
  } catch {
    return '';
  }
}

/** Docker multiplexes stdout/stderr in frames with an 8-byte header (stream, 0, 0, 0, size BE). */
function demultiplex(raw: Buffer): string {
  const parts: string[] = [];
  let offset = 0;
  while (offset + 8 <= raw.length && raw[offset + 1] === 0 && raw[offset + 2] === 0) {
    const size = raw.readUInt32BE(offset + 4);
    parts.push(raw.subarray(offset + 8, offset + 8 + size).toString('utf8'));
    offset += 8 + size;
  }
  return offset === 0 ? raw.toString('utf8') : parts.join('');
}

/** What a container provider describes; {@link containerProvider} adds the shared lifecycle. */
export interface ContainerServiceSpec<N extends ServiceName> {
  readonly name: N;
  readonly version: string;
  /** Starts the container and returns it with the connection it serves. */
  readonly launch: (
    context: StartContext,
  ) => Promise<{ container: StartedTestContainer; connection: ConnectionOf<N> }>;
  /** The protocol check polled while starting (the same one the local backend uses). */
  readonly probe: (connection: ConnectionOf<N>, signal: AbortSignal) => Promise<void>;
  /** The check of a recorded instance (reuse, status); defaults to {@link probe}. */
  readonly healthCheck?: (connection: ConnectionOf<N>, signal: AbortSignal) => Promise<void>;
  /** Work after the probe passed (e.g. loading Pulsar's transaction coordinator). */
  readonly afterReady?: (container: StartedTestContainer, connection: ConnectionOf<N>) => Promise<void>;
  readonly readyTimeoutMs: number;
}

/**
 * A {@link ServiceProvider} on Docker: start the container, poll the protocol probe to a
 * deadline, record the container id; `isAlive` inspects the container, `stop` removes it. A
 * failed start removes the container and reports its log tail.
 */
export function containerProvider<N extends ServiceName>(spec: ContainerServiceSpec<N>): ServiceProvider<N> {
  return {
    name: spec.name,
    backend: 'testcontainers',
    version: spec.version,

    async start(context) {
      const { container, connection } = await spec.launch(context).catch((error: unknown) => {
        const message = toError(error).message;
        throw new TributaryError(
          /container runtime strategy/i.test(message)
            ? E2eErrorCodes.BACKEND_UNAVAILABLE
            : E2eErrorCodes.SERVICE_START_FAILED,
          `${spec.name} container did not start: ${message}` +
            (/container runtime strategy/i.test(message)
              ? ' (no Docker engine reachable; unset TRIBUTARY_SERVICES_BACKEND or set it to "local")'
              : ''),
          { cause: error, context: { service: spec.name } },
        );
      });
      const id = container.getId();
      try {
        await waitUntil((signal) => spec.probe(connection, signal), {
          what: `${spec.name} (container ${id.slice(0, 12)}) to become ready`,
          timeoutMs: spec.readyTimeoutMs,
          diagnostics: async () =>
            `--- last lines of container ${id.slice(0, 12)} ---\n${await containerLogTail(id)}`,
        });
        await spec.afterReady?.(container, connection);
      } catch (error) {
        await removeContainer(id).catch(() => undefined);
        throw new TributaryError(
          E2eErrorCodes.SERVICE_START_FAILED,
          `${spec.name} did not start: ${toError(error).message}`,
          {
            cause: error,
            context: { service: spec.name, container: id },
          },
        );
      }
      context.logger.info(`container ${id.slice(0, 12)} ready`);
      const state: ServiceState<N> = {
        name: spec.name,
        backend: 'testcontainers',
        version: spec.version,
        startedAt: new Date().toISOString(),
        ...(context.runId === undefined ? {} : { runId: context.runId }),
        owner: { kind: 'container', containerId: id },
        connection,
      };
      return state;
    },

    check: (state, signal) => (spec.healthCheck ?? spec.probe)(state.connection, signal),

    isAlive: async (state) => state.owner.kind === 'container' && isContainerRunning(state.owner.containerId),

    async stop(state) {
      if (state.owner.kind === 'container') await removeContainer(state.owner.containerId);
    },
  };
}
