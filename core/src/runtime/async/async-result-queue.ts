/**
 * The queue of an async I/O stage with `retry` (Flink's `StreamElementQueue`; without retry the
 * stage keeps its records in windows, see `async-windows.ts`): every input in flight or waiting
 * for its turn, plus the watermarks between them. `ordered` emits results in input order;
 * unordered emits them as they complete, but never across a watermark (a watermark waits for every
 * record before it, and records after it wait for the watermark), so event time stays correct.
 *
 * Records live in pooled {@link AsyncSlot}s: a slot and its settle handlers are made once and
 * reused after its result is emitted, so a record costs the stage no object or closure of its own
 * (hot paths allocate per batch, not per record). Ordered mode keeps its slots on a ring in input
 * order that is also their pool (emission frees them in that same order); unordered mode takes
 * them from a free list. An emitted batch's arrays are made at their final
 * size, and carry timestamps only when a record in the stage has one (an empty `timestamps` means
 * none, as in the runtime's batches).
 */

import { RingQueue } from './ring-queue.js';

/** Receives the outcome of a slot's call (the stage: count it, schedule an emit or fail). */
export interface AsyncSlotListener<T, R> {
  onResult(slot: AsyncSlot<T, R>, result: R): void;
  onError(slot: AsyncSlot<T, R>, error: unknown): void;
}

/** One input of the stage, from the moment it is issued until its result is emitted. */
export class AsyncSlot<T, R> {
  input: T | undefined = undefined;
  /** Event time of the input (NaN when none); the result keeps it. */
  timestamp = Number.NaN;
  result: R | undefined = undefined;
  done = false;
  /** Unordered mode: issued and not emitted yet. */
  inUse = false;
  /** Unordered mode: issue order (pending inputs are listed in it). */
  seq = 0;
  /** Unordered mode: the segment the slot belongs to. */
  segment: Segment<T, R> | undefined = undefined;
  /**
   * Settle handlers for the call's promise, made once per slot. A slot is reused only after its
   * result was emitted, so a handler never runs for a later occupant.
   */
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;

  constructor(listener: AsyncSlotListener<T, R>) {
    this.resolve = (result) => listener.onResult(this, result);
    this.reject = (error) => listener.onError(this, error);
  }
}

/** What to emit, in order: batches of results and the watermarks between them. */
export interface RecordsEmission<R> {
  readonly kind: 'records';
  readonly values: R[];
  readonly timestamps: number[];
}
export type AsyncEmission<R> =
  | RecordsEmission<R>
  | { readonly kind: 'watermark'; readonly watermark: number };

interface Segment<T, R> {
  /** Records of this segment not emitted yet. */
  live: number;
  /**
   * Completed records of this segment, in completion order: a ring that keeps its array between
   * drains (an array emptied with `length = 0` drops its store and regrows it every batch).
   */
  readonly ready: RingQueue<AsyncSlot<T, R>>;
  /** The watermark that closes the segment (undefined for the open, last segment). */
  watermark: number | undefined;
}

export class AsyncResultQueue<T, R> {
  /** Unordered mode: records between two watermarks form a segment. Ordered mode uses one FIFO. */
  private readonly segments: Segment<T, R>[] = [{ live: 0, ready: new RingQueue(), watermark: undefined }];
  /**
   * Ordered mode: the slots in input order, on a ring that is also their pool. Slots are emitted
   * in the order they were added, so the slot at the tail was emitted last time round and is
   * reused in place: no free list, no push and shift of the slot itself per record.
   */
  private ring: (AsyncSlot<T, R> | undefined)[] = new Array(16).fill(undefined);
  private ringMask = 15;
  private ringHead = 0;
  /** Ordered mode: records added and emitted so far (watermarks sit between two of them). */
  private added = 0;
  private emitted = 0;
  /** Ordered mode: watermarks in order, each with the count of records added before it. */
  private readonly watermarks = new RingQueue<number>();
  private readonly watermarkAfter = new RingQueue<number>();
  private records = 0;
  /** Records in the queue with an event timestamp: while 0, emitted batches carry none. */
  private timed = 0;
  private nextSeq = 0;
  /** Unordered mode: every slot ever made (in use or free), as many as the most records at once. */
  private readonly slots: AsyncSlot<T, R>[] = [];
  private readonly free: AsyncSlot<T, R>[] = [];

  constructor(
    private readonly ordered: boolean,
    private readonly listener: AsyncSlotListener<T, R> = { onResult() {}, onError() {} },
  ) {}

  /** Records in the queue (in flight or completed but not emitted): what `capacity` bounds. */
  get size(): number {
    return this.records;
  }

  add(input: T, timestamp: number): AsyncSlot<T, R> {
    const slot = this.ordered ? this.ringSlot() : this.pooledSlot();
    slot.input = input;
    slot.timestamp = timestamp;
    slot.done = false;
    this.records++;
    if (!Number.isNaN(timestamp)) this.timed++;
    if (!this.ordered) {
      const segment = this.segments[this.segments.length - 1] as Segment<T, R>;
      slot.segment = segment;
      segment.live++;
    }
    return slot;
  }

  /** Ordered mode: the slot at the ring's tail (made on first use; the ring doubles when full). */
  private ringSlot(): AsyncSlot<T, R> {
    if (this.records === this.ring.length) this.growRing();
    const at = (this.ringHead + this.records) & this.ringMask;
    let slot = this.ring[at];
    if (slot === undefined) {
      slot = new AsyncSlot<T, R>(this.listener);
      this.ring[at] = slot;
    }
    this.added++;
    return slot;
  }

  private growRing(): void {
    const ring: (AsyncSlot<T, R> | undefined)[] = new Array(this.ring.length * 2).fill(undefined);
    for (let i = 0; i < this.ring.length; i++) ring[i] = this.ring[(this.ringHead + i) & this.ringMask];
    this.ring = ring;
    this.ringMask = ring.length - 1;
    this.ringHead = 0;
  }

  /** Unordered mode: a free slot from the pool (or a new one). */
  private pooledSlot(): AsyncSlot<T, R> {
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = new AsyncSlot<T, R>(this.listener);
      this.slots.push(slot);
    }
    slot.inUse = true;
    slot.seq = this.nextSeq++;
    return slot;
  }

  /** Marks a slot's result as available. */
  complete(slot: AsyncSlot<T, R>, result: R): void {
    slot.done = true;
    slot.result = result;
    slot.segment?.ready.push(slot);
  }

  addWatermark(watermark: number): void {
    if (this.ordered) {
      this.watermarks.push(watermark);
      this.watermarkAfter.push(this.added);
      return;
    }
    const last = this.segments[this.segments.length - 1] as Segment<T, R>;
    last.watermark = watermark;
    this.segments.push({ live: 0, ready: new RingQueue(), watermark: undefined });
  }

  /** Removes and returns everything that may be emitted now, in emission order. */
  drain(): AsyncEmission<R>[] {
    return this.ordered ? this.drainOrdered() : this.drainUnordered();
  }

  /** Inputs not emitted yet, in input order: what a checkpoint stores and a restore re-issues. */
  pendingInputs(): { readonly input: T; readonly timestamp: number }[] {
    if (this.ordered) {
      const pending: { readonly input: T; readonly timestamp: number }[] = [];
      for (let i = 0; i < this.records; i++) {
        const slot = this.ring[(this.ringHead + i) & this.ringMask] as AsyncSlot<T, R>;
        pending.push({ input: slot.input as T, timestamp: slot.timestamp });
      }
      return pending;
    }
    return this.slots
      .filter((slot) => slot.inUse)
      .sort((a, b) => a.seq - b.seq)
      .map((slot) => ({ input: slot.input as T, timestamp: slot.timestamp }));
  }

  /** Returns an emitted slot to the pool, dropping its references to input and result. */
  private release(slot: AsyncSlot<T, R>): void {
    if (!Number.isNaN(slot.timestamp)) this.timed--;
    slot.input = undefined;
    slot.result = undefined;
    if (this.ordered) return; // stays in its place on the ring
    slot.inUse = false;
    slot.segment = undefined;
    this.free.push(slot);
  }

  private drainOrdered(): AsyncEmission<R>[] {
    const out: AsyncEmission<R>[] = [];
    for (;;) {
      // The run of completed records at the head, up to the next watermark or pending call.
      const limit =
        this.watermarkAfter.size > 0 ? (this.watermarkAfter.peek() as number) - this.emitted : this.records;
      let n = 0;
      while (n < limit && (this.ring[(this.ringHead + n) & this.ringMask] as AsyncSlot<T, R>).done) n++;
      if (n > 0) {
        const batch = this.batchOf(n);
        for (let i = 0; i < n; i++) {
          this.take(batch, i, this.ring[this.ringHead] as AsyncSlot<T, R>);
          this.ringHead = (this.ringHead + 1) & this.ringMask;
        }
        this.emitted += n;
        out.push(batch);
      }
      if (this.watermarkAfter.peek() !== this.emitted) return out;
      this.watermarkAfter.shift();
      out.push({ kind: 'watermark', watermark: this.watermarks.shift() as number });
    }
  }

  private drainUnordered(): AsyncEmission<R>[] {
    const out: AsyncEmission<R>[] = [];
    for (;;) {
      const first = this.segments[0] as Segment<T, R>;
      const ready = first.ready;
      const n = ready.size;
      if (n > 0) {
        const batch = this.batchOf(n);
        for (let i = 0; i < n; i++) this.take(batch, i, ready.shift() as AsyncSlot<T, R>);
        first.live -= n;
        out.push(batch);
      }
      if (first.live > 0 || first.watermark === undefined) return out;
      out.push({ kind: 'watermark', watermark: first.watermark });
      this.segments.shift();
    }
  }

  /** An emission for `n` records, its arrays at their final size (timestamps only if any). */
  private batchOf(n: number): RecordsEmission<R> {
    this.records -= n;
    return {
      kind: 'records',
      values: new Array<R>(n),
      timestamps: this.timed > 0 ? new Array<number>(n) : [],
    };
  }

  /** Moves a completed slot's result into place `i` of `batch` and returns the slot to the pool. */
  private take(batch: RecordsEmission<R>, i: number, slot: AsyncSlot<T, R>): void {
    batch.values[i] = slot.result as R;
    if (batch.timestamps.length > 0) batch.timestamps[i] = slot.timestamp;
    this.release(slot);
  }
}
