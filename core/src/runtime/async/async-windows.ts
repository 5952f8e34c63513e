/**
 * The lean buffer of an async stage without `retry` (with `timeoutMs` its windows are
 * `TimedWindow`s, one deadline per window): inputs are kept per window (the run of records one
 * `write` step issues together) and each call writes its result straight into its window's array
 * by index: no slot per record, no result queue, and a window whose calls all completed is
 * emitted as its own results array, without a copy.
 *
 * Ordered mode emits, from the oldest window on, the completed prefix of results. Unordered mode
 * emits in completion order: a run of results completing in input order from a window's start is
 * handed over uncopied, any other completion goes through its segment's ready arrays. A watermark
 * ends a segment: unordered results never cross it (as in `AsyncResultQueue`). What a checkpoint
 * stores is every input not emitted yet.
 */

import type { AsyncEmission, RecordsEmission } from './async-result-queue.js';
import { RingQueue } from './ring-queue.js';

/** A result not there yet (a call in flight): results are stored by index among these. */
const IN_FLIGHT: unique symbol = Symbol('in flight');

/** Inputs issued together, their timestamps (empty when none has one) and their results by index. */
export class AsyncWindow<T, R> {
  /** Results by input index; `IN_FLIGHT` where the call has not completed. */
  readonly results: (R | typeof IN_FLIGHT)[];
  completed = 0;
  /** Ordered mode: results emitted from the front. */
  emitted = 0;
  /** Unordered mode: the segment (between two watermarks) the window was issued in. */
  segment: UnorderedSegment<T, R> | undefined = undefined;

  constructor(
    readonly inputs: readonly T[],
    readonly timestamps: readonly number[],
  ) {
    this.results = new Array<R | typeof IN_FLIGHT>(inputs.length).fill(IN_FLIGHT);
  }

  get size(): number {
    return this.inputs.length;
  }

  /** Calls not completed. */
  get running(): number {
    return this.inputs.length - this.completed;
  }

  timestampAt(index: number): number {
    return this.timestamps.length === 0 ? Number.NaN : (this.timestamps[index] as number);
  }
}

/** What the stage needs from its buffer, whichever kind it is. */
export interface AsyncStageBuffer<T, R> {
  /** Records in the buffer (in flight or completed but not emitted): what `capacity` bounds. */
  readonly size: number;
  addWatermark(watermark: number): void;
  /** Removes and returns everything that may be emitted now, in emission order. */
  drain(): AsyncEmission<R>[];
  /** Inputs not emitted yet: what a checkpoint stores and a restore re-issues. */
  pendingInputs(): { readonly input: T; readonly timestamp: number }[];
}

/** Ordered mode: windows and watermarks in input order. */
export class OrderedWindows<T, R> implements AsyncStageBuffer<T, R> {
  /** Windows and, as plain numbers, the watermarks between them. */
  private readonly entries = new RingQueue<AsyncWindow<T, R> | number>();
  private records = 0;

  get size(): number {
    return this.records;
  }

  add(window: AsyncWindow<T, R>): void {
    this.entries.push(window);
    this.records += window.size;
  }

  /** A call's result, stored at its input's index. */
  complete(window: AsyncWindow<T, R>, index: number, result: R): void {
    window.results[index] = result;
    window.completed++;
  }

  addWatermark(watermark: number): void {
    this.entries.push(watermark);
  }

  drain(): AsyncEmission<R>[] {
    const out: AsyncEmission<R>[] = [];
    // Consecutive windows emitted whole in this drain go out as one batch (merged at the end).
    let run: RecordsEmission<R>[] = [];
    for (;;) {
      const head = this.entries.peek();
      if (head === undefined) break;
      if (typeof head === 'number') {
        pushRun(out, run);
        run = [];
        out.push({ kind: 'watermark', watermark: head });
        this.entries.shift();
        continue;
      }
      const from = head.emitted;
      const n = head.size;
      let to = n;
      if (head.completed < n) {
        to = from;
        while (to < n && head.results[to] !== IN_FLIGHT) to++;
      }
      if (to > from) {
        run.push(slice(head, from, to));
        this.records -= to - from;
        head.emitted = to;
      }
      if (to < n) break;
      this.entries.shift();
    }
    pushRun(out, run);
    return out;
  }

  pendingInputs(): { readonly input: T; readonly timestamp: number }[] {
    const pending: { readonly input: T; readonly timestamp: number }[] = [];
    for (let e = 0; e < this.entries.size; e++) {
      const entry = this.entries.at(e);
      if (typeof entry === 'number' || entry === undefined) continue;
      for (let i = entry.emitted; i < entry.size; i++) {
        pending.push({ input: entry.inputs[i] as T, timestamp: entry.timestampAt(i) });
      }
    }
    return pending;
  }
}

/** Unordered mode: the records between two watermarks, and their results ready to go. */
export interface UnorderedSegment<T, R> {
  /**
   * Windows with calls in flight, in issue order: the first `windowCount` entries. The array keeps
   * its store when windows are dropped (emptied with `length = 0`, V8 drops the store and regrows
   * it for the next window, once per window of calls).
   */
  readonly windows: (AsyncWindow<T, R> | undefined)[];
  windowCount: number;
  /** Records of this segment not emitted yet. */
  live: number;
  /**
   * Results completed in order from the first input of one window, with nothing else ready: the
   * first `inOrderCount` results of `inOrder` are ready, in completion order, without being copied
   * (the common case: a service answering in the order it was called). Any other completion copies
   * them into the ready arrays first.
   */
  inOrder: AsyncWindow<T, R> | undefined;
  inOrderCount: number;
  /** Completed results in completion order, their timestamps (empty when none has one) and inputs. */
  readyValues: R[];
  readyTimestamps: number[];
  readyInputs: T[];
  /** The watermark that closes the segment (undefined for the open, last one). */
  watermark: number | undefined;
}

function newSegment<T, R>(): UnorderedSegment<T, R> {
  return {
    windows: [],
    windowCount: 0,
    live: 0,
    inOrder: undefined,
    inOrderCount: 0,
    readyValues: [],
    readyTimestamps: [],
    readyInputs: [],
    watermark: undefined,
  };
}

/** Unordered mode: results in completion order, never across a watermark. */
export class UnorderedWindows<T, R> implements AsyncStageBuffer<T, R> {
  private readonly segments: UnorderedSegment<T, R>[] = [newSegment()];
  private records = 0;

  get size(): number {
    return this.records;
  }

  add(window: AsyncWindow<T, R>): void {
    const segment = this.segments[this.segments.length - 1] as UnorderedSegment<T, R>;
    window.segment = segment;
    segment.windows[segment.windowCount++] = window;
    segment.live += window.size;
    this.records += window.size;
  }

  /** A call's result: marked in its window and made ready in completion order. */
  complete(window: AsyncWindow<T, R>, index: number, result: R): void {
    window.results[index] = result;
    window.completed++;
    const segment = window.segment as UnorderedSegment<T, R>;
    if (segment.inOrder === window) {
      if (index === segment.inOrderCount) {
        segment.inOrderCount++;
        return;
      }
    } else if (
      index === 0 &&
      window.completed === 1 &&
      segment.readyValues.length === 0 &&
      segment.inOrder === undefined
    ) {
      segment.inOrder = window;
      segment.inOrderCount = 1;
      return;
    }
    if (segment.inOrder !== undefined) copyInOrder(segment);
    ready(segment, window, index, result);
  }

  addWatermark(watermark: number): void {
    const last = this.segments[this.segments.length - 1] as UnorderedSegment<T, R>;
    last.watermark = watermark;
    this.segments.push(newSegment());
  }

  drain(): AsyncEmission<R>[] {
    const out: AsyncEmission<R>[] = [];
    for (;;) {
      const first = this.segments[0] as UnorderedSegment<T, R>;
      const inOrder = first.inOrder;
      if (inOrder !== undefined) {
        const n = first.inOrderCount;
        out.push(slice(inOrder, 0, n));
        first.inOrder = undefined;
        first.inOrderCount = 0;
        first.live -= n;
        this.records -= n;
        dropCompleted(first);
      }
      const n = first.readyValues.length;
      if (n > 0) {
        out.push({ kind: 'records', values: first.readyValues, timestamps: first.readyTimestamps });
        first.readyValues = [];
        first.readyTimestamps = [];
        first.readyInputs = [];
        first.live -= n;
        this.records -= n;
        dropCompleted(first);
      }
      if (first.live > 0 || first.watermark === undefined) return out;
      out.push({ kind: 'watermark', watermark: first.watermark });
      this.segments.shift();
    }
  }

  /** In flight first (input order, window by window), then completed but not emitted (completion order). */
  pendingInputs(): { readonly input: T; readonly timestamp: number }[] {
    const pending: { readonly input: T; readonly timestamp: number }[] = [];
    for (const segment of this.segments) {
      for (let w = 0; w < segment.windowCount; w++) {
        const window = segment.windows[w] as AsyncWindow<T, R>;
        for (let i = 0; i < window.size; i++) {
          if (window.results[i] === IN_FLIGHT)
            pending.push({ input: window.inputs[i] as T, timestamp: window.timestampAt(i) });
        }
      }
      const inOrder = segment.inOrder;
      for (let i = 0; inOrder !== undefined && i < segment.inOrderCount; i++) {
        pending.push({ input: inOrder.inputs[i] as T, timestamp: inOrder.timestampAt(i) });
      }
      segment.readyInputs.forEach((input, i) => {
        pending.push({ input, timestamp: segment.readyTimestamps[i] ?? Number.NaN });
      });
    }
    return pending;
  }
}

/** Copies a segment's in-order results into its ready arrays (another completion breaks the order). */
function copyInOrder<T, R>(segment: UnorderedSegment<T, R>): void {
  const window = segment.inOrder as AsyncWindow<T, R>;
  segment.inOrder = undefined;
  for (let i = 0; i < segment.inOrderCount; i++) ready(segment, window, i, window.results[i] as R);
  segment.inOrderCount = 0;
}

/** Appends a completed result to its segment's ready arrays. */
function ready<T, R>(
  segment: UnorderedSegment<T, R>,
  window: AsyncWindow<T, R>,
  index: number,
  result: R,
): void {
  segment.readyValues.push(result);
  segment.readyInputs.push(window.inputs[index] as T);
  const timestamps = segment.readyTimestamps;
  if (window.timestamps.length > 0) {
    // The first timed result: the untimed ones before it get NaN, so the arrays stay aligned.
    while (timestamps.length < segment.readyValues.length - 1) timestamps.push(Number.NaN);
    timestamps.push(window.timestamps[index] as number);
  } else if (timestamps.length > 0) {
    timestamps.push(Number.NaN);
  }
}

/** Forgets the windows whose calls all completed (their results went to the ready arrays). */
function dropCompleted<T, R>(segment: UnorderedSegment<T, R>): void {
  const windows = segment.windows;
  const count = segment.windowCount;
  let kept = 0;
  for (let i = 0; i < count; i++) {
    const window = windows[i] as AsyncWindow<T, R>;
    if (window.completed < window.size) windows[kept++] = window;
  }
  for (let i = kept; i < count; i++) windows[i] = undefined;
  segment.windowCount = kept;
}

/** Results `from..to` of a window as an emission: the window's own arrays when it is whole. */
function slice<T, R>(window: AsyncWindow<T, R>, from: number, to: number): RecordsEmission<R> {
  const whole = from === 0 && to === window.size;
  const values = (whole ? window.results : window.results.slice(from, to)) as R[];
  const timestamps =
    window.timestamps.length === 0
      ? []
      : whole
        ? (window.timestamps as number[])
        : window.timestamps.slice(from, to);
  return { kind: 'records', values, timestamps };
}

/** Appends a run of batches as one (concatenated only when there are several). */
function pushRun<R>(out: AsyncEmission<R>[], run: readonly RecordsEmission<R>[]): void {
  if (run.length === 0) return;
  if (run.length === 1) {
    out.push(run[0] as RecordsEmission<R>);
    return;
  }
  const values: R[] = [];
  const anyTimed = run.some((b) => b.timestamps.length > 0);
  const timestamps: number[] = [];
  for (const batch of run) {
    for (let i = 0; i < batch.values.length; i++) {
      values.push(batch.values[i] as R);
      if (anyTimed)
        timestamps.push(batch.timestamps.length === 0 ? Number.NaN : (batch.timestamps[i] as number));
    }
  }
  out.push({ kind: 'records', values, timestamps });
}
