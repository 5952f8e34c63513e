import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { ServiceManager } from './service-manager.js';
import type { ServiceProvider } from './service-provider.js';
import type { KinesisConnection, ServiceName, ServiceState } from './service-types.js';
import { ServiceStateStore } from './state-store.js';

/** A provider whose instances are entries in a set; `healthy` decides what `check` says. */
function fakeKinesis() {
  const running = new Set<string>();
  const calls = { start: 0, stop: 0 };
  let counter = 0;
  let healthy = true;
  const provider: ServiceProvider<'kinesis'> = {
    name: 'kinesis',
    backend: 'local',
    version: '1',
    async start(context) {
      calls.start++;
      // Slow enough that concurrent callers overlap.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const endpoint = `http://fake/${++counter}`;
      running.add(endpoint);
      const connection: KinesisConnection = {
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      };
      return {
        name: 'kinesis',
        backend: 'local',
        version: '1',
        startedAt: new Date().toISOString(),
        ...(context.runId === undefined ? {} : { runId: context.runId }),
        owner: {
          kind: 'process',
          process: { pid: 1_000_000 + counter, pgid: 1_000_000 + counter, command: 'fake' },
        },
        connection,
      };
    },
    async check(state) {
      if (!healthy || !running.has(state.connection.endpoint)) throw new Error('not answering');
    },
    isAlive: async (state) => running.has(state.connection.endpoint),
    async stop(state) {
      calls.stop++;
      running.delete(state.connection.endpoint);
    },
  };
  return {
    provider,
    calls,
    running,
    setHealthy: (value: boolean) => {
      healthy = value;
    },
  };
}

async function managerWith(provider: ServiceProvider<'kinesis'>, runId = 'run-a', dir?: string) {
  const store = new ServiceStateStore(dir ?? mkdtempSync(join(tmpdir(), 'trib-manager-')));
  return ServiceManager.create({
    backend: 'local',
    logger: silentLogger,
    store,
    runId,
    loadProvider: async <N extends ServiceName>(name: N) => {
      if (name !== 'kinesis') throw new Error(`unexpected ${name}`);
      return provider as unknown as ServiceProvider<N>;
    },
  });
}

describe('ServiceManager', () => {
  it('starts a service once even when asked concurrently, and records it', async () => {
    const fake = fakeKinesis();
    const manager = await managerWith(fake.provider);
    const [a, b, c] = await Promise.all([
      manager.ensure('kinesis'),
      manager.ensure('kinesis'),
      manager.ensure('kinesis'),
    ]);
    expect(fake.calls.start).toBe(1);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(manager.store.read('kinesis')).toEqual(a);
    expect(a.runId).toBe('run-a');
  });

  it('reuses a healthy recorded instance from another manager (another process)', async () => {
    const fake = fakeKinesis();
    const dir = mkdtempSync(join(tmpdir(), 'trib-manager-'));
    const first = await (await managerWith(fake.provider, 'run-a', dir)).ensure('kinesis');
    const second = await (await managerWith(fake.provider, 'run-b', dir)).ensure('kinesis');
    expect(second).toEqual(first);
    expect(fake.calls.start).toBe(1);
  });

  it('cleans up an unhealthy recorded instance and starts a new one', async () => {
    const fake = fakeKinesis();
    const manager = await managerWith(fake.provider);
    const first = await manager.ensure('kinesis');
    fake.setHealthy(false);
    const second = await manager.ensure('kinesis');
    expect(second.connection.endpoint).not.toBe(first.connection.endpoint);
    expect(fake.calls.stop).toBe(1);
    expect(fake.running.has(first.connection.endpoint)).toBe(false);
    expect(manager.store.read('kinesis')).toEqual(second);
  });

  it('replaces a healthy recorded instance the provider no longer accepts (older configuration)', async () => {
    const fake = fakeKinesis();
    const dir = mkdtempSync(join(tmpdir(), 'trib-manager-'));
    const first = await (await managerWith(fake.provider, 'run-a', dir)).ensure('kinesis');
    const newer: ServiceProvider<'kinesis'> = {
      ...fake.provider,
      accepts: (state) => state.connection.endpoint !== first.connection.endpoint,
    };
    const second = await (await managerWith(newer, 'run-b', dir)).ensure('kinesis');
    expect(second.connection.endpoint).not.toBe(first.connection.endpoint);
    expect(fake.calls.stop).toBe(1);
    expect(fake.running.has(first.connection.endpoint)).toBe(false);
  });

  it('replaces a recorded instance whose process is gone', async () => {
    const fake = fakeKinesis();
    const manager = await managerWith(fake.provider);
    const first = await manager.ensure('kinesis');
    fake.running.delete(first.connection.endpoint);
    const second = await manager.ensure('kinesis');
    expect(second.connection.endpoint).not.toBe(first.connection.endpoint);
    expect(fake.calls.start).toBe(2);
  });

  it('reports status without starting anything, and stops what it recorded', async () => {
    const fake = fakeKinesis();
    const manager = await managerWith(fake.provider);
    expect((await manager.status('kinesis')).state).toBe('stopped');
    expect(fake.calls.start).toBe(0);
    await manager.ensure('kinesis');
    expect((await manager.status('kinesis')).state).toBe('healthy');
    fake.setHealthy(false);
    expect(await manager.status('kinesis')).toMatchObject({ state: 'unhealthy', detail: 'not answering' });
    expect(await manager.stop('kinesis')).toBe('stopped');
    expect(await manager.stop('kinesis')).toBe('not-running');
    expect(fake.running.size).toBe(0);
  });

  it('stops only the services of the given run', async () => {
    const fake = fakeKinesis();
    const dir = mkdtempSync(join(tmpdir(), 'trib-manager-'));
    await (await managerWith(fake.provider, 'run-a', dir)).ensure('kinesis');
    const other = await managerWith(fake.provider, 'run-b', dir);
    expect(await other.stopRun('run-b', ['kinesis'])).toEqual([]);
    expect(fake.running.size).toBe(1);
    expect(await other.stopRun('run-a', ['kinesis'])).toEqual(['kinesis']);
    expect(fake.running.size).toBe(0);
  });

  it('leaves an external server running', async () => {
    const fake = fakeKinesis();
    const manager = await managerWith(fake.provider);
    const state = await manager.ensure('kinesis');
    const system: ServiceState<'kinesis'> = { ...state, owner: { kind: 'external' } };
    manager.store.write(system);
    expect(await manager.stop('kinesis')).toBe('left-running');
    expect(manager.store.read('kinesis')).toBeUndefined();
  });
});
