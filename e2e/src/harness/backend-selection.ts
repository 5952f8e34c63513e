import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { TributaryError } from '@tributary/core';
import { E2eErrorCodes } from './e2e-errors.js';
import type { BackendKind } from './service-types.js';

/** Where a Docker engine answered, if one did. */
export interface DockerProbeResult {
  readonly available: boolean;
  /** The socket path or `tcp://` URL that answered `/_ping` (or the ones that were tried). */
  readonly endpoint: string;
}

/** Options of {@link probeDockerEngine}. */
export interface DockerProbeOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Budget per endpoint; the whole probe stays well under a second when nothing listens. */
  readonly timeoutMs?: number;
}

/**
 * Asks a Docker engine for `GET /_ping` over its socket (or `DOCKER_HOST` when set to `tcp://` or
 * `unix://`). It never runs the `docker` CLI: a CLI without a daemon can hang for a long time,
 * and the probe must be quick. A missing socket file costs nothing; a dead one fails on connect.
 */
export async function probeDockerEngine(options: DockerProbeOptions = {}): Promise<DockerProbeResult> {
  const env = options.env ?? process.env;
  const timeoutMs = options.timeoutMs ?? 1_500;
  const candidates = dockerEndpoints(env);
  for (const endpoint of candidates) {
    if (!endpoint.startsWith('tcp://') && !existsSync(endpoint)) continue;
    if (await ping(endpoint, timeoutMs)) return { available: true, endpoint };
  }
  return { available: false, endpoint: candidates.join(', ') };
}

/** Options of {@link selectBackend}. */
export interface SelectBackendOptions extends DockerProbeOptions {
  /** An explicit choice; otherwise `TRIBUTARY_SERVICES_BACKEND`, otherwise auto-detection. */
  readonly backend?: BackendKind;
}

/**
 * Chooses the backend: an explicit option, else `TRIBUTARY_SERVICES_BACKEND=local|testcontainers`,
 * else `testcontainers` when a Docker engine answers and `local` when none does.
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendKind> {
  const env = options.env ?? process.env;
  const requested = options.backend ?? parseBackend(env.TRIBUTARY_SERVICES_BACKEND);
  if (requested !== undefined) return requested;
  const probe = await probeDockerEngine(options);
  return probe.available ? 'testcontainers' : 'local';
}

/** Parses `TRIBUTARY_SERVICES_BACKEND`; empty or `auto` means "detect". */
export function parseBackend(value: string | undefined): BackendKind | undefined {
  if (value === undefined || value === '' || value === 'auto') return undefined;
  if (value === 'local' || value === 'testcontainers') return value;
  throw new TributaryError(
    E2eErrorCodes.BACKEND_UNAVAILABLE,
    `TRIBUTARY_SERVICES_BACKEND must be "local", "testcontainers" or "auto", not "${value}"`,
    { context: { variable: 'TRIBUTARY_SERVICES_BACKEND' } },
  );
}

/** Socket paths and URLs a Docker-compatible engine commonly listens on, most specific first. */
export function dockerEndpoints(env: NodeJS.ProcessEnv): string[] {
  const host = env.DOCKER_HOST;
  if (host !== undefined && host !== '') {
    if (host.startsWith('unix://')) return [host.slice('unix://'.length)];
    if (host.startsWith('tcp://')) return [host];
    return [host];
  }
  const home = homedir();
  const runtimeDir = env.XDG_RUNTIME_DIR;
  return [
    '/var/run/docker.sock',
    ...(runtimeDir === undefined
      ? []
      : [join(runtimeDir, 'docker.sock'), join(runtimeDir, 'podman/podman.sock')]),
    join(home, '.docker/run/docker.sock'),
    join(home, '.docker/desktop/docker.sock'),
    join(home, '.colima/default/docker.sock'),
    join(home, '.rd/docker.sock'),
  ];
}

function ping(endpoint: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const target = endpoint.startsWith('tcp://')
      ? (() => {
          const url = new URL(endpoint.replace('tcp://', 'http://'));
          return { host: url.hostname, port: Number(url.port || 2375) };
        })()
      : { socketPath: endpoint };
    const req = request({ ...target, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
