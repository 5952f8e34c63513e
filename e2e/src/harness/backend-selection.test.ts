import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasErrorCode } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { dockerEndpoints, parseBackend, probeDockerEngine, selectBackend } from './backend-selection.js';
import { E2eErrorCodes } from './e2e-errors.js';

/** A fake engine that answers `/_ping` on a unix socket. */
async function fakeEngine(): Promise<{ socket: string; close: () => Promise<void> }> {
  const socket = join(mkdtempSync(join(tmpdir(), 'trib-docker-')), 'docker.sock');
  const server = createServer((request, response) => {
    response.statusCode = request.url === '/_ping' ? 200 : 404;
    response.end('OK');
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return { socket, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('backend selection', () => {
  it('parses TRIBUTARY_SERVICES_BACKEND and rejects unknown values', () => {
    expect(parseBackend(undefined)).toBeUndefined();
    expect(parseBackend('')).toBeUndefined();
    expect(parseBackend('auto')).toBeUndefined();
    expect(parseBackend('local')).toBe('local');
    expect(parseBackend('testcontainers')).toBe('testcontainers');
    let error: unknown;
    try {
      parseBackend('docker');
    } catch (thrown) {
      error = thrown;
    }
    expect(hasErrorCode(error, E2eErrorCodes.BACKEND_UNAVAILABLE)).toBe(true);
  });

  it('finds an engine that answers /_ping and chooses testcontainers', async () => {
    const engine = await fakeEngine();
    try {
      const env = { DOCKER_HOST: `unix://${engine.socket}` };
      expect(await probeDockerEngine({ env })).toEqual({ available: true, endpoint: engine.socket });
      expect(await selectBackend({ env })).toBe('testcontainers');
      expect(await selectBackend({ env: { ...env, TRIBUTARY_SERVICES_BACKEND: 'local' } })).toBe('local');
    } finally {
      await engine.close();
    }
  });

  it('chooses local quickly when nothing answers', async () => {
    const started = Date.now();
    const env = { DOCKER_HOST: `unix://${join(tmpdir(), 'no-such-docker.sock')}` };
    expect((await probeDockerEngine({ env })).available).toBe(false);
    expect(await selectBackend({ env })).toBe('local');
    // A closed TCP port fails on connect, not at the timeout.
    expect(
      (await probeDockerEngine({ env: { DOCKER_HOST: 'tcp://127.0.0.1:1' }, timeoutMs: 5_000 })).available,
    ).toBe(false);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('an explicit backend wins without probing', async () => {
    expect(await selectBackend({ backend: 'testcontainers', env: {} })).toBe('testcontainers');
  });

  it('lists the usual socket locations when DOCKER_HOST is unset', () => {
    const endpoints = dockerEndpoints({ XDG_RUNTIME_DIR: '/run/user/1000' });
    expect(endpoints[0]).toBe('/var/run/docker.sock');
    expect(endpoints).toContain('/run/user/1000/docker.sock');
  });
});
