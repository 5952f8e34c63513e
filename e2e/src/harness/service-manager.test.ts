import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasErrorCode, silentLogger } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { E2eErrorCodes } from './e2e-errors.js';
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

/** A postgres provider with private instances that are entries in a set. */
function fakePrivatePostgres() {
  const running = new Set<string>();
  const destroyed: string[] = [];
  let pid = 2_000_000;
  const provider: ServiceProvider<'postgres'> = {
    name: 'postgres',
    backend: 'local',
    version: '1',
    start: async () => {
      throw new Error('shared instance not used here');
    },
    async startPrivate(context, instance) {
      running.add(instance.id);
      pid++;
      return {
        name: 'postgres',
        backend: 'local',
        version: '1',
        startedAt: new Date().toISOString(),
        ...(context.runId === undefined ? {} : { runId: context.runId }),
        owner: { kind: 'process', process: { pid, pgid: pid, command: 'fake' } },
        connection: { host: '127.0.0.1', port: pid, user: 'u', password: '', database: 'postgres' },
        private: instance,
      };
    },
    check: async () => undefined,
    isAlive: async (state) => running.has(state.private?.id ?? ''),
    stop: async () => undefined,
    async destroy(state) {
      running.delete(state.private?.id ?? '');
      destroyed.push(state.private?.id ?? '');
    },
  };
  return { provider, running, destroyed };
}

describe('ServiceManager private instances', () => {
  async function managerWithPostgres(provider: ServiceProvider<'postgres'>, runId = 'run-p') {
    return ServiceManager.create({
      backend: 'local',
      logger: silentLogger,
      store: new ServiceStateStore(mkdtempSync(join(tmpdir(), 'trib-private-'))),
      runId,
      loadProvider: async <N extends ServiceName>() => provider as unknown as ServiceProvider<N>,
    });
  }

  it('records a private instance for its test process and forgets it when stopped', async () => {
    const fake = fakePrivatePostgres();
    const manager = await managerWithPostgres(fake.provider);
    const state = await manager.startPrivate('postgres', { max_connections: 5 });
    expect(state.private?.holder.pid).toBe(process.pid);
    expect(state.private?.settings).toEqual({ max_connections: 5 });
    expect(manager.store.readPrivate().map((s) => s.private?.id)).toEqual([state.private?.id]);
    await manager.stopPrivate(state);
    expect(fake.destroyed).toEqual([state.private?.id]);
    expect(manager.store.readPrivate()).toEqual([]);
  });

  it('removes instances whose test process is gone, and leaves the others', async () => {
    const fake = fakePrivatePostgres();
    const manager = await managerWithPostgres(fake.provider);
    const mine = await manager.startPrivate('postgres');
    const orphan = await manager.startPrivate('postgres');
    const info = orphan.private;
    if (info === undefined) throw new Error('not private');
    // As if a test worker that has since exited had started it (a pid that does not exist).
    manager.store.writePrivate({ ...orphan, private: { ...info, holder: { pid: 2 ** 22 + 7 } } });
    expect(await manager.removeOrphans()).toEqual([info.id]);
    expect(fake.destroyed).toEqual([info.id]);
    expect(manager.store.readPrivate().map((s) => s.private?.id)).toEqual([mine.private?.id]);
  });

  it('stops the private instances of one run (teardown) and refuses kill() on a shared one', async () => {
    const fake = fakePrivatePostgres();
    const manager = await managerWithPostgres(fake.provider, 'run-x');
    const other = await managerWithPostgres(fake.provider, 'run-y');
    const a = await manager.startPrivate('postgres');
    const b = await other.startPrivate('postgres');
    // Both managers have their own store; put b into a's store so one store holds both runs.
    manager.store.writePrivate(b);
    expect(await manager.stopPrivateInstances({ runId: 'run-x' })).toEqual([a.private?.id]);
    expect(manager.store.readPrivate().map((s) => s.private?.id)).toEqual([b.private?.id]);
    const { private: _private, ...shared } = a;
    await expect(manager.killPrivate(shared)).rejects.toSatisfy((error) =>
      hasErrorCode(error, E2eErrorCodes.PRIVATE_INSTANCE_REQUIRED),
    );
  });
});
