import { hasErrorCode } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { E2eErrorCodes } from '../harness/e2e-errors.js';
import type { ServiceState } from '../harness/service-types.js';
import { ServiceHandleBase } from './service-handle-base.js';

class FakeHandle extends ServiceHandleBase<'kinesis'> {
  readonly log: string[] = [];
  clientsClosed = 0;

  constructor(stopService: () => Promise<void> = async () => undefined) {
    const state: ServiceState<'kinesis'> = {
      name: 'kinesis',
      backend: 'local',
      version: '1',
      startedAt: '',
      owner: { kind: 'process', process: { pid: 1, pgid: 1, command: 'x' } },
      connection: {
        endpoint: 'http://x',
        region: 'r',
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      },
    };
    super(state, { stopService });
  }

  create(name: string, fail = false): string {
    this.assertOpen();
    this.track(`thing ${name}`, async () => {
      if (fail) throw new Error(`cannot drop ${name}`);
      this.log.push(`drop ${name}`);
    });
    return name;
  }

  forget(name: string): void {
    this.untrack(`thing ${name}`);
  }

  protected override async closeClients(): Promise<void> {
    this.clientsClosed++;
  }
}

describe('ServiceHandleBase', () => {
  it('drops created resources in reverse order on cleanup, once', async () => {
    const handle = new FakeHandle();
    handle.create('a');
    handle.create('b');
    handle.create('c');
    handle.forget('b');
    await handle.cleanup();
    await handle.cleanup();
    expect(handle.log).toEqual(['drop c', 'drop a']);
  });

  it('keeps cleaning after a failure and reports every failed resource', async () => {
    const handle = new FakeHandle();
    handle.create('a');
    handle.create('b', true);
    handle.create('c');
    const error = await handle.cleanup().catch((thrown: unknown) => thrown);
    expect(hasErrorCode(error, E2eErrorCodes.SERVICE_REQUEST_FAILED)).toBe(true);
    expect((error as Error).message).toContain('cannot drop b');
    expect(handle.log).toEqual(['drop c', 'drop a']);
  });

  it('is disposable: await using cleans up and closes clients; close is idempotent', async () => {
    let handle: FakeHandle | undefined;
    {
      await using scoped = new FakeHandle();
      handle = scoped;
      scoped.create('x');
    }
    expect(handle.log).toEqual(['drop x']);
    expect(handle.clientsClosed).toBe(1);
    await handle.close();
    expect(handle.clientsClosed).toBe(1);
    expect(() => handle?.create('y')).toThrow(/closed/);
  });

  it('stopService closes the handle and stops the shared server', async () => {
    let stopped = 0;
    const handle = new FakeHandle(async () => {
      stopped++;
    });
    handle.create('z');
    await handle.stopService();
    expect(handle.log).toEqual(['drop z']);
    expect(stopped).toBe(1);
  });
});
