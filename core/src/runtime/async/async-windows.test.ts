import { describe, expect, it } from 'vitest';
import type { SinkWriterContext, StatefulSinkWriter } from '../../api/sink.js';
import { fakeBatchContext, fakeWriterContext } from '../../testing/fake-contexts.js';
import { asyncIoOptions } from './async-io-options.js';
import type { AsyncStageState } from './async-stage-writer.js';
import { AsyncStageWriter } from './async-stage-writer.js';
import { AsyncWindow, OrderedWindows, UnorderedWindows } from './async-windows.js';

const inputsOf = (pending: { readonly input: number }[]) => pending.map((p) => p.input);

describe('OrderedWindows', () => {
  it('emits the completed prefix across windows and watermarks, a whole window as its own array', () => {
    const windows = new OrderedWindows<number, string>();
    const a = new AsyncWindow<number, string>([1, 2, 3], []);
    const b = new AsyncWindow<number, string>([4, 5], [40, 50]);
    windows.add(a);
    windows.addWatermark(7);
    windows.add(b);
    expect(windows.size).toBe(5);
    windows.complete(b, 0, 'r4');
    windows.complete(a, 1, 'r2');
    expect(windows.drain()).toEqual([]); // 1 is still in flight
    windows.complete(a, 0, 'r1');
    expect(windows.drain()).toEqual([{ kind: 'records', values: ['r1', 'r2'], timestamps: [] }]);
    expect(inputsOf(windows.pendingInputs())).toEqual([3, 4, 5]);
    expect(windows.pendingInputs()[1]).toEqual({ input: 4, timestamp: 40 });
    expect(windows.size).toBe(3);
    windows.complete(a, 2, 'r3');
    windows.complete(b, 1, 'r5');
    expect(windows.drain()).toEqual([
      { kind: 'records', values: ['r3'], timestamps: [] },
      { kind: 'watermark', watermark: 7 },
      { kind: 'records', values: ['r4', 'r5'], timestamps: [40, 50] },
    ]);
    expect(windows.size).toBe(0);
    expect(windows.pendingInputs()).toEqual([]);

    // A window whose calls all completed goes out as its results array, not a copy.
    const c = new AsyncWindow<number, string>([6], []);
    windows.add(c);
    windows.complete(c, 0, 'r6');
    const [emission] = windows.drain();
    expect(emission).toMatchObject({ kind: 'records', values: ['r6'] });
    expect((emission as { values: unknown }).values).toBe(c.results);
  });

  it('merges whole windows completed together into one batch, timestamps aligned', () => {
    const windows = new OrderedWindows<number, string>();
    const a = new AsyncWindow<number, string>([1], []);
    const b = new AsyncWindow<number, string>([2, 3], [20, 30]);
    windows.add(a);
    windows.add(b);
    windows.complete(b, 1, 'r3');
    windows.complete(b, 0, 'r2');
    windows.complete(a, 0, 'r1');
    expect(windows.drain()).toEqual([
      { kind: 'records', values: ['r1', 'r2', 'r3'], timestamps: [Number.NaN, 20, 30] },
    ]);
  });
});

describe('UnorderedWindows', () => {
  it('emits in completion order, never across a watermark', () => {
    const windows = new UnorderedWindows<number, string>();
    const a = new AsyncWindow<number, string>([1, 2], []);
    windows.add(a);
    windows.addWatermark(10);
    const b = new AsyncWindow<number, string>([3], []);
    windows.add(b);
    windows.complete(b, 0, 'r3');
    windows.complete(a, 1, 'r2');
    expect(windows.drain()).toEqual([{ kind: 'records', values: ['r2'], timestamps: [] }]);
    expect(windows.drain()).toEqual([]); // r3 waits behind the watermark, which waits for 1
    windows.complete(a, 0, 'r1');
    expect(windows.drain()).toEqual([
      { kind: 'records', values: ['r1'], timestamps: [] },
      { kind: 'watermark', watermark: 10 },
      { kind: 'records', values: ['r3'], timestamps: [] },
    ]);
    expect(windows.size).toBe(0);
  });

  it("results completing in input order from a window's start go out uncopied; any other completion keeps completion order", () => {
    const windows = new UnorderedWindows<number, string>();
    const a = new AsyncWindow<number, string>([1, 2, 3], []);
    const b = new AsyncWindow<number, string>([4, 5], []);
    windows.add(a);
    windows.add(b);
    windows.complete(a, 0, 'r1');
    windows.complete(a, 1, 'r2');
    expect(windows.pendingInputs().map((p) => p.input)).toEqual([3, 4, 5, 1, 2]);
    windows.complete(b, 0, 'r4'); // another window: the in-order run is copied first
    windows.complete(a, 2, 'r3');
    expect(windows.drain()).toEqual([{ kind: 'records', values: ['r1', 'r2', 'r4', 'r3'], timestamps: [] }]);
    expect(windows.pendingInputs().map((p) => p.input)).toEqual([5]);

    const c = new AsyncWindow<number, string>([6, 7], [60, 70]);
    windows.add(c);
    windows.complete(c, 0, 'r6');
    windows.complete(c, 1, 'r7');
    windows.complete(b, 1, 'r5');
    expect(windows.drain()).toEqual([
      { kind: 'records', values: ['r6', 'r7', 'r5'], timestamps: [60, 70, Number.NaN] },
    ]);

    const d = new AsyncWindow<number, string>([8, 9], []);
    windows.add(d);
    windows.complete(d, 0, 'r8');
    expect(windows.drain()).toEqual([{ kind: 'records', values: ['r8'], timestamps: [] }]);
    windows.complete(d, 1, 'r9'); // after a drained prefix: through the ready arrays
    expect(windows.pendingInputs()).toEqual([{ input: 9, timestamp: Number.NaN }]);
    expect(windows.drain()).toEqual([{ kind: 'records', values: ['r9'], timestamps: [] }]);
    const f = new AsyncWindow<number, string>([11, 12], []);
    windows.add(f);
    windows.complete(f, 0, 'r11');
    windows.complete(f, 1, 'r12');
    const [whole] = windows.drain();
    expect((whole as { values: unknown }).values).toBe(f.results);
  });

  it('drops a window completed before older ones; the windows after it keep issue order in pending inputs', () => {
    const windows = new UnorderedWindows<number, string>();
    const a = new AsyncWindow<number, string>([1, 2], []);
    const b = new AsyncWindow<number, string>([3], []);
    const c = new AsyncWindow<number, string>([4, 5], []);
    windows.add(a);
    windows.add(b);
    windows.add(c);
    windows.complete(a, 1, 'r2');
    windows.complete(b, 0, 'r3');
    expect(windows.drain()).toEqual([{ kind: 'records', values: ['r2', 'r3'], timestamps: [] }]);
    expect(inputsOf(windows.pendingInputs())).toEqual([1, 4, 5]);
    // A window added now goes after the ones kept, in the places the dropped ones left.
    const d = new AsyncWindow<number, string>([6], []);
    windows.add(d);
    expect(inputsOf(windows.pendingInputs())).toEqual([1, 4, 5, 6]);
    windows.complete(c, 0, 'r4');
    windows.complete(c, 1, 'r5');
    windows.complete(a, 0, 'r1');
    expect(windows.drain()).toEqual([{ kind: 'records', values: ['r4', 'r5', 'r1'], timestamps: [] }]);
    expect(inputsOf(windows.pendingInputs())).toEqual([6]);
    windows.complete(d, 0, 'r6');
    expect(windows.drain()).toEqual([{ kind: 'records', values: ['r6'], timestamps: [] }]);
    expect(windows.size).toBe(0);
    expect(windows.pendingInputs()).toEqual([]);
  });

  it('keeps timestamps aligned when untimed and timed results mix', () => {
    const windows = new UnorderedWindows<number, string>();
    const untimed = new AsyncWindow<number, string>([1, 2], []);
    const timed = new AsyncWindow<number, string>([3], [30]);
    windows.add(untimed);
    windows.add(timed);
    windows.complete(untimed, 1, 'r2');
    windows.complete(timed, 0, 'r3');
    windows.complete(untimed, 0, 'r1');
    expect(windows.drain()).toEqual([
      { kind: 'records', values: ['r2', 'r3', 'r1'], timestamps: [Number.NaN, 30, Number.NaN] },
    ]);
  });

  it('pending inputs: calls in flight in input order, then results completed but not emitted', () => {
    const windows = new UnorderedWindows<number, string>();
    const a = new AsyncWindow<number, string>([1, 2, 3], []);
    const b = new AsyncWindow<number, string>([4, 5], [40, 50]);
    windows.add(a);
    windows.add(b);
    windows.complete(a, 1, 'r2');
    expect(windows.drain()).toHaveLength(1); // r2 emitted
    windows.complete(b, 1, 'r5');
    windows.complete(a, 2, 'r3');
    expect(windows.pendingInputs()).toEqual([
      { input: 1, timestamp: Number.NaN },
      { input: 4, timestamp: 40 },
      { input: 5, timestamp: 50 },
      { input: 3, timestamp: Number.NaN },
    ]);
    expect(windows.size).toBe(4);
  });
});

/** A service whose calls complete only when the test says so. */
function manualService() {
  const calls = new Map<number, (v: string) => void>();
  const fn = (n: number) => new Promise<string>((resolve) => calls.set(n, resolve));
  const complete = (n: number) => (calls.get(n) as (v: string) => void)(`r${n}`);
  return { fn, complete };
}

class RecordingWriter implements StatefulSinkWriter<unknown, string> {
  readonly written: unknown[] = [];
  async write(batch: readonly unknown[], _ctx: SinkWriterContext): Promise<void> {
    this.written.push(...batch);
  }
  async flush(): Promise<void> {}
  async snapshotState(): Promise<string[]> {
    return [];
  }
  async close(): Promise<void> {}
}

const settle = () => new Promise((r) => setImmediate(r));

function windowedStage(
  ordered: boolean,
  fn: (n: number) => Promise<string>,
  inner: RecordingWriter,
  inputs: unknown[] = [],
) {
  return new AsyncStageWriter<number, string>(
    fn,
    asyncIoOptions.parse({ ordered, capacity: 10 }),
    [],
    inner,
    fakeWriterContext(),
    { inputs, timestamps: inputs.map(() => Number.NaN) },
  );
}

describe('AsyncStageWriter without retry (windows)', () => {
  it('unordered: a result completing between flush(false) and the snapshot is stored as an input, not emitted', async () => {
    const service = manualService();
    const inner = new RecordingWriter();
    const writer = windowedStage(false, service.fn, inner);
    await writer.write([1, 2, 3], fakeBatchContext());
    service.complete(2);
    await settle();
    await writer.flush(false); // emitting pauses until the snapshot
    service.complete(3);
    await settle();
    const [state] = (await writer.snapshotState(1)) as [AsyncStageState];
    expect(inner.written).toEqual(['r2']);
    expect(state.inputs).toEqual([1, 3]);
    await writer.close();

    const again = manualService();
    const restoredInner = new RecordingWriter();
    const restored = windowedStage(false, again.fn, restoredInner, state.inputs);
    again.complete(3);
    again.complete(1);
    await restored.flush(true);
    expect(restoredInner.written).toEqual(['r3', 'r1']);
    await restored.close();
  });

  it('ordered: emits the completed prefix of a window; a checkpoint stores the rest, restored in order', async () => {
    const service = manualService();
    const inner = new RecordingWriter();
    const writer = windowedStage(true, service.fn, inner);
    await writer.write([1, 2, 3, 4], fakeBatchContext());
    service.complete(1);
    service.complete(3);
    await settle(); // the results arrive
    await settle(); // and are emitted on the next turn (calls are still in flight)
    expect(inner.written).toEqual(['r1']);
    expect(writer.recordsAccepted()).toBe(7); // room made by the emitted prefix
    await writer.flush(false);
    const [state] = (await writer.snapshotState(1)) as [AsyncStageState];
    expect(state.inputs).toEqual([2, 3, 4]);
    await writer.close();

    const again = manualService();
    const restoredInner = new RecordingWriter();
    const restored = windowedStage(true, again.fn, restoredInner, state.inputs);
    await restored.write([5], fakeBatchContext());
    for (const n of [5, 4, 3, 2]) again.complete(n);
    await restored.flush(true);
    expect(restoredInner.written).toEqual(['r2', 'r3', 'r4', 'r5']);
    await restored.close();
  });
});
