/**
 * The queue of an async I/O stage (Flink's `StreamElementQueue`): every input in flight or waiting
 * for its turn, plus the watermarks between them. `ordered` emits results in input order;
 * unordered emits them as they complete, but never across a watermark (a watermark waits for every
 * record before it, and records after it wait for the watermark), so event time stays correct.
 */

/** One input of the stage, from the moment it is issued until its result is emitted. */
export interface AsyncEntry<T, R> {
  readonly input: T;
  /** Event time of the input (NaN when none); the result keeps it. */
  readonly timestamp: number;
  done: boolean;
  result: R | undefined;
}

interface QueuedEntry<T, R> extends AsyncEntry<T, R> {
  /** Unordered mode: the segment the entry belongs to. */
  readonly segment: Segment<T, R> | undefined;
  emitted: boolean;
}

/** What to emit, in order: batches of results and the watermarks between them. */
export type AsyncEmission<R> =
  | { readonly kind: 'records'; readonly values: R[]; readonly timestamps: number[] }
  | { readonly kind: 'watermark'; readonly watermark: number };

interface Segment<T, R> {
  /** Records of this segment in input order; emitted ones are dropped when they are the majority. */
  entries: QueuedEntry<T, R>[];
  /** Records of this segment not emitted yet. */
  live: number;
  /** Completed records of this segment, in completion order. */
  ready: AsyncEntry<T, R>[];
  /** The watermark that closes the segment (undefined for the open, last segment). */
  watermark: number | undefined;
}

export class AsyncResultQueue<T, R> {
  /** Unordered mode: records between two watermarks form a segment. Ordered mode uses one FIFO. */
  private readonly segments: Segment<T, R>[] = [{ entries: [], live: 0, ready: [], watermark: undefined }];
  private readonly fifo: (AsyncEntry<T, R> | number)[] = [];
  private fifoHead = 0;
  private records = 0;

  constructor(private readonly ordered: boolean) {}

  /** Records in the queue (in flight or completed but not emitted): what `capacity` bounds. */
  get size(): number {
    return this.records;
  }

  add(input: T, timestamp: number): AsyncEntry<T, R> {
    const segment = this.ordered ? undefined : (this.segments[this.segments.length - 1] as Segment<T, R>);
    const entry: QueuedEntry<T, R> = {
      input,
      timestamp,
      done: false,
      result: undefined,
      segment,
      emitted: false,
    };
    this.records++;
    if (segment) {
      segment.entries.push(entry);
      segment.live++;
    } else this.fifo.push(entry);
    return entry;
  }

  /** Marks an entry's result as available. */
  complete(entry: AsyncEntry<T, R>, result: R): void {
    entry.done = true;
    entry.result = result;
    (entry as QueuedEntry<T, R>).segment?.ready.push(entry);
  }

  addWatermark(watermark: number): void {
    if (this.ordered) {
      this.fifo.push(watermark);
      return;
    }
    const last = this.segments[this.segments.length - 1] as Segment<T, R>;
    last.watermark = watermark;
    this.segments.push({ entries: [], live: 0, ready: [], watermark: undefined });
  }

  /** Removes and returns everything that may be emitted now, in emission order. */
  drain(): AsyncEmission<R>[] {
    return this.ordered ? this.drainOrdered() : this.drainUnordered();
  }

  /** Inputs not emitted yet, in input order: what a checkpoint stores and a restore re-issues. */
  pendingInputs(): AsyncEntry<T, R>[] {
    if (this.ordered) {
      const out: AsyncEntry<T, R>[] = [];
      for (let i = this.fifoHead; i < this.fifo.length; i++) {
        const item = this.fifo[i];
        if (typeof item !== 'number') out.push(item as AsyncEntry<T, R>);
      }
      return out;
    }
    return this.segments.flatMap((s) => s.entries.filter((e) => !e.emitted));
  }

  private drainOrdered(): AsyncEmission<R>[] {
    const out: AsyncEmission<R>[] = [];
    let values: R[] = [];
    let timestamps: number[] = [];
    while (this.fifoHead < this.fifo.length) {
      const head = this.fifo[this.fifoHead] as AsyncEntry<T, R> | number;
      if (typeof head === 'number') {
        if (values.length > 0) out.push({ kind: 'records', values, timestamps });
        values = [];
        timestamps = [];
        out.push({ kind: 'watermark', watermark: head });
      } else {
        if (!head.done) break;
        values.push(head.result as R);
        timestamps.push(head.timestamp);
        this.records--;
      }
      this.fifo[this.fifoHead++] = 0; // drop the reference
    }
    if (values.length > 0) out.push({ kind: 'records', values, timestamps });
    if (this.fifoHead > 1024 && this.fifoHead * 2 > this.fifo.length) {
      this.fifo.splice(0, this.fifoHead);
      this.fifoHead = 0;
    }
    return out;
  }

  private drainUnordered(): AsyncEmission<R>[] {
    const out: AsyncEmission<R>[] = [];
    for (;;) {
      const first = this.segments[0] as Segment<T, R>;
      const values: R[] = [];
      const timestamps: number[] = [];
      for (const entry of first.ready) {
        (entry as QueuedEntry<T, R>).emitted = true;
        values.push(entry.result as R);
        timestamps.push(entry.timestamp);
      }
      first.ready = [];
      first.live -= values.length;
      this.records -= values.length;
      if (first.entries.length > 64 && first.live * 2 < first.entries.length) {
        first.entries = first.entries.filter((e) => !e.emitted);
      }
      if (values.length > 0) out.push({ kind: 'records', values, timestamps });
      if (first.live > 0 || first.watermark === undefined) return out;
      out.push({ kind: 'watermark', watermark: first.watermark });
      this.segments.shift();
    }
  }
}
