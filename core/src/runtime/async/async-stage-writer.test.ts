import { describe, expect, it } from 'vitest';
import type { SinkWriter, SinkWriterContext, StatefulSinkWriter } from '../../api/sink.js';
import { SinkWriterMetricGroup } from '../../metrics/metric-groups.js';
import { MetricRegistry } from '../../metrics/metric-registry.js';
import { fakeBatchContext, fakeWriterContext } from '../../testing/fake-contexts.js';
import { type AsyncCallContext, asyncIoOptions } from './async-io-options.js';
import { type AsyncEmission, AsyncResultQueue, type AsyncSlot } from './async-result-queue.js';
import { type AsyncStageState, AsyncStageWriter } from './async-stage-writer.js';

/** A service whose calls complete only when the test says so. */
function manualService() {
  const calls = new Map<number, { resolve: (v: string) => void; count: number }>();
  let issued = 0;
  const fn = (n: number) =>
    new Promise<string>((resolve) => {
      issued++;
      const previous = calls.get(n);
      calls.set(n, { resolve, count: (previous?.count ?? 0) + 1 });
    });
  const complete = (n: number) => {
    const call = calls.get(n);
    if (!call) throw new Error(`no call for ${n}`);
    call.resolve(`r${n}`);
  };
  return { fn, complete, issued: () => issued, callsFor: (n: number) => calls.get(n)?.count ?? 0 };
}

class RecordingWriter implements StatefulSinkWriter<unknown, string> {
  readonly written: unknown[] = [];
  readonly events: string[] = [];
  async write(batch: readonly unknown[], ctx: SinkWriterContext): Promise<void> {
    batch.forEach((v, i) => {
      this.written.push(v);
      this.events.push(`w:${String(v)}@${ctx.timestamp(i) ?? '-'}`);
    });
  }
  writeWatermark(wm: number): void {
    this.events.push(`wm:${wm}`);
  }
  async flush(end: boolean): Promise<void> {
    this.events.push(`flush:${end}`);
  }
  async snapshotState(): Promise<string[]> {
    return [`written=${this.written.length}`];
  }
  async close(): Promise<void> {}
}

const settle = () => new Promise((r) => setImmediate(r));

function stage(
  options: Record<string, unknown>,
  fn: (n: number, ctx: AsyncCallContext) => Promise<string>,
  inner: SinkWriter<unknown>,
  restored: { inputs: unknown[]; timestamps: number[] } = { inputs: [], timestamps: [] },
  metrics = new MetricRegistry(),
) {
  return new AsyncStageWriter<number, string>(
    fn,
    asyncIoOptions.parse(options),
    [],
    inner,
    fakeWriterContext({ metricGroup: new SinkWriterMetricGroup(metrics, { subtask: '0' }) }),
    restored,
  );
}

/** The error a promise rejects with (undefined if it resolves). */
const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );

const none = { inputs: [], timestamps: [] };

describe('AsyncStageWriter', () => {
  it('ordered: emits in input order and blocks write at capacity', async () => {
    const service = manualService();
    const inner = new RecordingWriter();
    const writer = stage({ capacity: 2 }, service.fn, inner);
    const writing = writer.write([1, 2, 3], fakeBatchContext());
    await settle();
    expect(service.issued()).toBe(2); // 3 waits for room
    service.complete(2);
    await settle();
    expect(inner.written).toEqual([]); // 2 waits for 1
    expect(service.issued()).toBe(2);
    service.complete(1);
    await writing;
    expect(inner.written).toEqual(['r1', 'r2']);
    expect(service.issued()).toBe(3);
    service.complete(3);
    await writer.flush(true);
    expect(inner.written).toEqual(['r1', 'r2', 'r3']);
    expect(inner.events.at(-1)).toBe('flush:true');
  });

  it('unordered: emits in completion order', async () => {
    const service = manualService();
    const inner = new RecordingWriter();
    const writer = stage({ capacity: 10, ordered: false }, service.fn, inner);
    await writer.write([1, 2, 3], fakeBatchContext());
    service.complete(3);
    await settle();
    service.complete(1);
    await settle();
    service.complete(2);
    await writer.flush(true);
    expect(inner.written).toEqual(['r3', 'r1', 'r2']);
  });

  it("takes timestamps from the runtime's batch context: none when its array is empty, each record's otherwise", async () => {
    // The runtime's context also holds the batch's timestamps as an array (the stage reads no
    // timestamp per record when it is empty); both shapes must checkpoint what the batch carried.
    const runtimeContext = (timestamps: number[]) => ({
      currentWatermark: undefined,
      timestamps,
      timestamp: (i: number) => timestamps[i],
    });
    const service = manualService();
    const writer = stage({ capacity: 10 }, service.fn, new RecordingWriter());
    await writer.write([1, 2], runtimeContext([]));
    await writer.write([3, 4], runtimeContext([30, 40]));
    await writer.flush(false);
    const [state] = (await writer.snapshotState(1)) as [AsyncStageState];
    expect(state.inputs).toEqual([1, 2, 3, 4]);
    expect(state.timestamps).toEqual([Number.NaN, Number.NaN, 30, 40]);
  });

  it('a checkpoint stores the inputs not emitted; a restore re-issues them, each result emitted once', async () => {
    const service = manualService();
    const inner = new RecordingWriter();
    const writer = stage({ capacity: 10 }, service.fn, inner);
    await writer.write([1, 2, 3], fakeBatchContext([100, 200, 300]));
    service.complete(1);
    await settle();
    await writer.flush(false);
    // A result arriving between the checkpoint's flush and its snapshot must not be emitted into
    // the next transaction while the snapshot still lists its input.
    service.complete(3);
    service.complete(2);
    await settle();
    expect(inner.written).toEqual(['r1']);
    const [state] = (await writer.snapshotState(1)) as [AsyncStageState];
    expect(state.inputs).toEqual([2, 3]);
    expect(state.timestamps).toEqual([200, 300]);
    expect(state.inner).toEqual(['written=1']);
    await settle();
    expect(inner.written).toEqual(['r1', 'r2', 'r3']); // emitting resumed after the snapshot

    // Restore from the checkpoint: 2 and 3 are called again and emitted with their timestamps.
    const again = manualService();
    const restoredInner = new RecordingWriter();
    const restored = stage({ capacity: 1 }, again.fn, restoredInner, {
      inputs: state.inputs,
      timestamps: state.timestamps,
    });
    expect(again.issued()).toBe(2); // restored inputs go first, even beyond capacity
    again.complete(2);
    again.complete(3);
    await restored.flush(true);
    expect(restoredInner.events).toEqual(['w:r2@200', 'w:r3@300', 'flush:true']);
  });

  it('times out a call, aborts its signal and retries it', async () => {
    let attempts = 0;
    const aborted: boolean[] = [];
    const inner = new RecordingWriter();
    const writer = new AsyncStageWriter<number, string>(
      (n, { signal, attempt }) => {
        attempts++;
        if (attempt === 1)
          return new Promise((_, reject) =>
            signal.addEventListener('abort', () => {
              aborted.push(true);
              reject(signal.reason);
            }),
          );
        return Promise.resolve(`ok${n}`);
      },
      asyncIoOptions.parse({ timeoutMs: 20, retry: { maxAttempts: 2, initialDelayMs: 1 } }),
      [],
      inner,
      fakeWriterContext(),
      { inputs: [], timestamps: [] },
    );
    await writer.write([7], fakeBatchContext());
    await writer.flush(true);
    expect(inner.written).toEqual(['ok7']);
    expect(attempts).toBe(2);
    expect(aborted).toEqual([true]);
  });

  it('a call failing for good fails the next runtime call with a typed error naming the operator', async () => {
    const inner = new RecordingWriter();
    const writer = stage(
      { name: 'lookup', retry: { maxAttempts: 2, initialDelayMs: 1, isRetriable: () => true } },
      () => Promise.reject(new Error('service down')),
      inner,
    );
    await writer.write([1], fakeBatchContext());
    const error = await failureOf(writer.flush(true));
    expect(error).toMatchObject({ code: 'TRIB_ASYNC_CALL_FAILED', context: { operator: 'lookup' } });
    expect(String((error as Error).message)).toContain('service down');
    expect(inner.written).toEqual([]);
  });

  it('writeAccepted issues a batch that fits at once, refuses one past the room, and throws the failure', async () => {
    for (const retry of [undefined, { maxAttempts: 1 }]) {
      const service = manualService();
      const inner = new RecordingWriter();
      const writer = stage({ capacity: 3, ...(retry ? { retry } : {}) }, service.fn, inner);
      writer.writeAccepted([1, 2], fakeBatchContext());
      expect(service.issued()).toBe(2); // no promise to wait for: issued in the call
      expect(writer.recordsAccepted()).toBe(1);
      expect(() => writer.writeAccepted([3, 4], fakeBatchContext())).toThrow(
        expect.objectContaining({ code: 'TRIB_CONTRACT_VIOLATION', context: { operator: 'mapAsync' } }),
      );
      expect(service.issued()).toBe(2); // nothing of the refused batch was issued
      writer.writeAccepted([3], fakeBatchContext());
      for (const n of [3, 1, 2]) service.complete(n);
      await writer.flush(true);
      expect(inner.written).toEqual(['r1', 'r2', 'r3']);
      await writer.close();
    }

    const failing = stage(
      { name: 'lookup' },
      () => Promise.reject(new Error('service down')),
      new RecordingWriter(),
    );
    failing.writeAccepted([1], fakeBatchContext());
    await settle();
    expect(() => failing.writeAccepted([2], fakeBatchContext())).toThrow(
      expect.objectContaining({ code: 'TRIB_ASYNC_CALL_FAILED' }),
    );
  });
});

describe('AsyncResultQueue', () => {
  it('unordered mode never emits a record across a watermark', () => {
    const queue = new AsyncResultQueue<number, number>(false);
    const a = queue.add(1, Number.NaN);
    queue.addWatermark(10);
    const b = queue.add(2, Number.NaN);
    queue.complete(b, 2);
    expect(queue.drain()).toEqual([]); // 2 is behind the watermark, which waits for 1
    queue.complete(a, 1);
    // No record in the queue carries a timestamp: the batches carry none (an empty array).
    expect(queue.drain()).toEqual([
      { kind: 'records', values: [1], timestamps: [] },
      { kind: 'watermark', watermark: 10 },
      { kind: 'records', values: [2], timestamps: [] },
    ]);
    expect(queue.size).toBe(0);
  });

  it('ordered mode keeps watermarks in place and lists pending inputs in input order', () => {
    const queue = new AsyncResultQueue<number, number>(true);
    const a = queue.add(1, 5);
    queue.addWatermark(10);
    const b = queue.add(2, 15);
    queue.add(3, 16);
    queue.complete(b, 20);
    expect(queue.drain()).toEqual([]);
    expect(queue.pendingInputs().map((e) => e.input)).toEqual([1, 2, 3]);
    queue.complete(a, 10);
    expect(queue.drain()).toEqual([
      { kind: 'records', values: [10], timestamps: [5] },
      { kind: 'watermark', watermark: 10 },
      { kind: 'records', values: [20], timestamps: [15] },
    ]);
    expect(queue.pendingInputs().map((e) => e.input)).toEqual([3]);
    expect(queue.size).toBe(1);
  });

  it('reuses an emitted slot for a later input; pending inputs stay in input order', () => {
    const queue = new AsyncResultQueue<number, number>(false);
    const a = queue.add(1, Number.NaN);
    const b = queue.add(2, Number.NaN);
    queue.complete(a, 10);
    expect(queue.drain()).toEqual([{ kind: 'records', values: [10], timestamps: [] }]);
    const c = queue.add(3, 30);
    expect(c).toBe(a); // the pool handed the emitted slot out again
    expect(queue.pendingInputs()).toEqual([
      { input: 2, timestamp: Number.NaN },
      { input: 3, timestamp: 30 },
    ]);
    queue.complete(c, 30);
    queue.complete(b, 20);
    expect(queue.drain()).toEqual([{ kind: 'records', values: [30, 20], timestamps: [30, Number.NaN] }]);
    expect(queue.pendingInputs()).toEqual([]);
  });

  it('ordered mode: its ring wraps and grows past its first size, keeping input order and watermarks', () => {
    const queue = new AsyncResultQueue<number, number>(true);
    const expected: AsyncEmission<number>[] = [];
    const emitted: AsyncEmission<number>[] = [];
    let next = 0;
    // Rounds of 10 then 40 records in the queue (the ring starts at 16 slots): the head wraps
    // around the ring, then the ring doubles while slots are in use at both of its ends.
    for (const inQueue of [10, 10, 40, 40]) {
      const slots = [];
      for (let i = 0; i < inQueue; i++) {
        slots.push(queue.add(next, Number.NaN));
        if (next % 7 === 0) queue.addWatermark(next);
        next++;
      }
      const first = next - inQueue;
      expect(queue.pendingInputs().map((e) => e.input)).toEqual(slots.map((_, i) => first + i));
      // Completed last to first: nothing can go before the oldest record completes.
      for (let i = inQueue - 1; i > 0; i--) queue.complete(slots[i] as AsyncSlot<number, number>, first + i);
      expect(queue.drain()).toEqual([]);
      queue.complete(slots[0] as AsyncSlot<number, number>, first);
      emitted.push(...queue.drain());
      let run: number[] = [];
      for (let v = first; v < next; v++) {
        run.push(v);
        if (v % 7 === 0) {
          expected.push(
            { kind: 'records', values: run, timestamps: [] },
            { kind: 'watermark', watermark: v },
          );
          run = [];
        }
      }
      if (run.length > 0) expected.push({ kind: 'records', values: run, timestamps: [] });
      expect(queue.size).toBe(0);
    }
    expect(emitted).toEqual(expected);
  });

  it("a slot's handlers report to the listener with the slot", async () => {
    const seen: string[] = [];
    const queue = new AsyncResultQueue<number, number>(true, {
      onResult: (slot, result) => seen.push(`ok ${slot.input}=${result}`),
      onError: (slot, error) => seen.push(`error ${slot.input} ${String(error)}`),
    });
    const a = queue.add(1, Number.NaN);
    const b = queue.add(2, Number.NaN);
    await Promise.resolve(5).then(a.resolve, a.reject);
    await Promise.reject(new Error('no')).then(b.resolve, b.reject);
    expect(seen).toEqual(['ok 1=5', 'error 2 Error: no']);
  });
});

describe('AsyncStageWriter timeouts', () => {
  it('with timeoutMs and no retry: answers within the limit go through windows in input order', async () => {
    const inner = new RecordingWriter();
    const contexts = new Set<unknown>();
    const writer = new AsyncStageWriter<number, string>(
      (n, ctx) => {
        contexts.add(ctx);
        // Later inputs answer sooner: the ordered stage must still emit in input order.
        return new Promise((resolve) => setTimeout(() => resolve(`r${n}`), 6 - n));
      },
      asyncIoOptions.parse({ timeoutMs: 1000, capacity: 2 }),
      [],
      inner,
      fakeWriterContext(),
      { inputs: [], timestamps: [] },
    );
    await writer.write([1, 2, 3, 4, 5], fakeBatchContext());
    await writer.flush(true);
    expect(inner.written).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    // Calls issued in one step share a context (1 and 2, then 3 and 4 once both were emitted, then 5).
    expect(contexts.size).toBe(3);
    await writer.close();
  });

  it('a signal first read after the timeout is already aborted; closing aborts the signals of running calls', async () => {
    const signals: AbortSignal[] = [];
    let lateSignal: AbortSignal | undefined;
    const inner = new RecordingWriter();
    const writer = new AsyncStageWriter<number, string>(
      (_n, ctx) => {
        signals.push(ctx.signal);
        return new Promise(() => {}); // never answers
      },
      asyncIoOptions.parse({ timeoutMs: 10_000 }),
      [],
      inner,
      fakeWriterContext(),
      { inputs: [], timestamps: [] },
    );
    await writer.write([2, 3], fakeBatchContext());
    expect(signals.map((s) => s.aborted)).toEqual([false, false]);
    await writer.close();
    expect(signals.map((s) => s.aborted)).toEqual([true, true]);
    expect(signals[0]?.reason).toMatchObject({ code: 'TRIB_ABORTED' });

    const timing = new AsyncStageWriter<number, string>(
      (n, ctx) =>
        new Promise((_, reject) =>
          setTimeout(() => {
            lateSignal = ctx.signal;
            reject(new Error(`late ${n}`));
          }, 40),
        ),
      asyncIoOptions.parse({ timeoutMs: 5 }),
      [],
      new RecordingWriter(),
      fakeWriterContext(),
      { inputs: [], timestamps: [] },
    );
    // This call reads its signal only after its limit passed.
    await timing.write([1], fakeBatchContext());
    const error = await failureOf(timing.flush(true));
    expect(error).toMatchObject({ code: 'TRIB_ASYNC_CALL_FAILED' });
    expect(String((error as Error).message)).toContain('timed out after 5 ms');
    await new Promise((r) => setTimeout(r, 60));
    expect(lateSignal?.aborted).toBe(true);
    expect(lateSignal?.reason).toMatchObject({ code: 'TRIB_TIMEOUT' });
    await timing.close();
  });

  it('calls issued together time out one by one: only those still running fail, each counted', async () => {
    const registry = new MetricRegistry();
    const contexts = new Set<unknown>();
    const writer = stage(
      { name: 'lookup', timeoutMs: 20 },
      (n, call) => {
        contexts.add(call);
        // 1 answers in time, 3 and 4 never answer.
        return n === 1 ? Promise.resolve('r1') : new Promise(() => {});
      },
      new RecordingWriter(),
      none,
      registry,
    );
    await writer.write([1, 3, 4], fakeBatchContext());
    expect(contexts.size).toBe(1); // one group: one context and one deadline for the three calls
    const error = await failureOf(writer.flush(true));
    expect(String((error as Error).message)).toContain('timed out after 20 ms');
    expect(registry.sum('numAsyncTimeouts')).toBe(2); // 3 and 4, not 1
    await writer.close();

    const failing = stage(
      { timeoutMs: 10_000 },
      (n) => (n === 2 ? Promise.reject(new Error('no 2')) : new Promise(() => {})),
      new RecordingWriter(),
    );
    await failing.write([1, 2], fakeBatchContext());
    const failed = await failureOf(failing.flush(true));
    // The failing call fails on its own, long before the group's deadline.
    expect(String((failed as Error).message)).toContain('no 2');
    await failing.close();

    // A deadline passing after the stage failed counts nothing: the stage is done already.
    const failedFirst = stage(
      { timeoutMs: 20 },
      (n) => (n === 2 ? Promise.reject(new Error('no 2')) : new Promise(() => {})),
      new RecordingWriter(),
      none,
      registry,
    );
    await failedFirst.write([1, 2], fakeBatchContext());
    await new Promise((r) => setTimeout(r, 60));
    expect(String(await failureOf(failedFirst.flush(true)))).toContain('no 2');
    expect(registry.sum('numAsyncTimeouts')).toBe(2); // still only the two above
    await failedFirst.close();
  });

  it('with retry: a timed-out call of a group is retried alone with a fresh deadline; the others keep their results', async () => {
    const registry = new MetricRegistry();
    const started: { n: number; attempt: number; at: number; ctx: unknown }[] = [];
    const inner = new RecordingWriter();
    const writer = stage(
      { timeoutMs: 40, retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 1 } },
      (n, call) => {
        started.push({ n, attempt: call.attempt, at: Date.now(), ctx: call });
        if (n === 2 && call.attempt === 1)
          return new Promise((_, reject) =>
            call.signal.addEventListener('abort', () => reject(call.signal.reason)),
          );
        // The retry answers after 30 ms: longer than what remained of the first deadline.
        if (n === 2) return new Promise((resolve) => setTimeout(() => resolve('r2 again'), 30));
        return Promise.resolve(`r${n}`);
      },
      inner,
      none,
      registry,
    );
    await writer.write([1, 2, 3], fakeBatchContext());
    await writer.flush(true);
    expect(inner.written).toEqual(['r1', 'r2 again', 'r3']);
    expect(started.map((s) => `${s.n}#${s.attempt}`)).toEqual(['1#1', '2#1', '3#1', '2#2']);
    expect(new Set(started.slice(0, 3).map((s) => s.ctx)).size).toBe(1);
    expect(started[3]?.ctx).not.toBe(started[0]?.ctx);
    expect(registry.sum('numAsyncTimeouts')).toBe(1);
    expect(registry.sum('numAsyncRetries')).toBe(1);
    await writer.close();
  });

  it('a checkpoint with timed calls in flight stores their inputs; a restore re-issues them in one group', async () => {
    const service = manualService();
    const inner = new RecordingWriter();
    const writer = stage({ timeoutMs: 10_000 }, service.fn, inner);
    await writer.write([1, 2, 3], fakeBatchContext());
    service.complete(2);
    await settle();
    await writer.flush(false);
    const [state] = (await writer.snapshotState(1)) as [AsyncStageState];
    expect(state.inputs).toEqual([1, 2, 3]); // ordered: 2 waits for 1
    await writer.close();

    const again = manualService();
    const restoredInner = new RecordingWriter();
    const restored = stage({ timeoutMs: 10_000 }, again.fn, restoredInner, {
      inputs: state.inputs,
      timestamps: state.timestamps,
    });
    for (const n of [3, 1, 2]) again.complete(n);
    await restored.flush(true);
    expect(restoredInner.written).toEqual(['r1', 'r2', 'r3']);
    await restored.close();
  });
});
