import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ServiceState } from './service-types.js';
import { ServiceStateStore } from './state-store.js';

const kinesis: ServiceState<'kinesis'> = {
  name: 'kinesis',
  backend: 'local',
  version: '3.3.3',
  startedAt: '2026-01-01T00:00:00.000Z',
  runId: 'run-1',
  owner: { kind: 'process', process: { pid: 42, pgid: 42, command: 'node cli.js' } },
  connection: {
    endpoint: 'http://127.0.0.1:4567',
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  },
};

describe('ServiceStateStore', () => {
  it('writes, reads and removes a state file per service', () => {
    const store = new ServiceStateStore(mkdtempSync(join(tmpdir(), 'trib-state-')));
    expect(store.read('kinesis')).toBeUndefined();
    store.write(kinesis);
    expect(store.read('kinesis')).toEqual(kinesis);
    expect(store.read('kafka')).toBeUndefined();
    store.remove('kinesis');
    expect(store.read('kinesis')).toBeUndefined();
  });

  it('treats an unreadable or foreign file as no state', () => {
    const store = new ServiceStateStore(mkdtempSync(join(tmpdir(), 'trib-state-')));
    writeFileSync(store.statePath('kafka'), '{ half a fi');
    expect(store.read('kafka')).toBeUndefined();
    writeFileSync(store.statePath('kafka'), JSON.stringify(kinesis));
    expect(store.read('kafka')).toBeUndefined();
  });
});
