import { describe, expect, it } from 'vitest';
import type { SourceSplit, SplitEnumeratorContext } from '../../api/source.js';
import { SerialExecutor } from '../../runtime/mailbox.js';
import { callAsyncResult } from './loop-result.js';

/** A context with a real serialized loop, as the runtime's coordinator has. */
function loopContext() {
  const failures: unknown[] = [];
  const loop = new SerialExecutor((error) => failures.push(error));
  const ctx: Pick<SplitEnumeratorContext<SourceSplit>, 'callAsync' | 'runInCoordinatorThread'> = {
    callAsync: (task, handler) => {
      task().then(
        (r) => loop.execute(() => handler(r, undefined)),
        (e: unknown) => loop.execute(() => handler(undefined, e)),
      );
    },
    runInCoordinatorThread: (action) => loop.execute(action),
  };
  return { ctx, loop, failures };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('callAsyncResult', () => {
  it('applies the result on the loop, after the loop action running when the task finished', async () => {
    const { ctx, loop } = loopContext();
    const order: string[] = [];
    let release!: () => void;
    // A loop action that is still busy when the task completes.
    void loop.run(async () => {
      order.push('action start');
      await new Promise<void>((r) => {
        release = r;
      });
      order.push('action end');
    });
    const applied = callAsyncResult(ctx, async () => 'topics').then((topics) => {
      order.push(`apply ${topics}`);
      return topics.length;
    });
    await tick();
    expect(order).toEqual(['action start']); // the result waits for the loop
    release();
    expect(await applied).toBe(6);
    expect(order).toEqual(['action start', 'action end', 'apply topics']);
  });

  it('runs the task once for several then() calls, also after it settled', async () => {
    const { ctx } = loopContext();
    let runs = 0;
    const result = callAsyncResult(ctx, async () => ++runs);
    expect(await result.then((n) => n * 10)).toBe(10);
    expect(await result.then((n) => n * 100)).toBe(100);
    expect(await result).toBe(1); // await works too (PromiseLike)
    expect(runs).toBe(1);
  });

  it('hands a failure to onError; without onError it fails the job', async () => {
    const { ctx, failures } = loopContext();
    const handled = await callAsyncResult(ctx, () => Promise.reject(new Error('list failed'))).then(
      () => 'no',
      (error) => `handled: ${(error as Error).message}`,
    );
    expect(handled).toBe('handled: list failed');
    expect(failures).toEqual([]);

    const unhandled = callAsyncResult(ctx, () => Promise.reject(new Error('metadata failed'))).then(
      () => 'no',
    );
    await expect(unhandled).rejects.toThrow('metadata failed');
    expect(failures).toHaveLength(1);

    callAsyncResult(ctx, () => Promise.reject(new Error('nobody listens')));
    await tick();
    expect(failures).toHaveLength(2);
  });
});
