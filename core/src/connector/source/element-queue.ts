/**
 * The bounded hand-over queue between fetch loops (producers) and the reader (the one consumer),
 * Flink's `FutureCompletingBlockingQueue` for one event loop. Its capacity counts batches, not
 * records: a full queue is where backpressure stops the fetch loops, and so the external client.
 *
 * - {@link put} resolves once the element is in the queue; when the queue is full it waits. A
 *   waiting producer gets the slot directly when the consumer polls (a hand-off), so a wake-up
 *   can never be stolen by another producer.
 * - {@link poll} never waits; {@link availability} resolves when the queue is non-empty, or when
 *   someone calls {@link notifyAvailable} (an error, a fetcher becoming idle, end of input).
 * - {@link wakeUpPutter} makes one producer's pending `put` resolve `false` without putting, so
 *   its loop can run a task (add splits, close) and try again.
 *
 * No timers and no polling: every state change that can unblock someone resolves a promise.
 */
export class ElementQueue<T> {
  readonly capacity: number;
  private readonly items: T[] = [];
  private readonly putters: Putter<T>[] = [];
  private waiter: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(capacity = 2) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`ElementQueue capacity must be an integer >= 1, got ${capacity}`);
    }
    this.capacity = capacity;
  }

  /** Elements in the queue (never more than `capacity`; waiting producers hold theirs). */
  get size(): number {
    return this.items.length;
  }

  isEmpty(): boolean {
    return this.items.length === 0;
  }

  /** Producers currently waiting for space. */
  get waitingPutters(): number {
    return this.putters.length;
  }

  /**
   * Adds `element`, waiting while the queue is full. Resolves `true` once it is in the queue, or
   * `false` when {@link wakeUpPutter}(`owner`) interrupted the wait (the element was not added).
   */
  put(owner: number, element: T): Promise<boolean> {
    if (this.items.length < this.capacity) {
      this.push(element);
      return RESOLVED_TRUE;
    }
    return new Promise<boolean>((resolve) => {
      this.putters.push({ owner, element, resolve });
    });
  }

  /** Takes the oldest element, or `undefined` when empty. Never waits. */
  poll(): T | undefined {
    if (this.items.length === 0) return undefined;
    const element = this.items.shift() as T;
    // Hand the freed slot straight to the oldest waiting producer.
    const next = this.putters.shift();
    if (next) {
      this.items.push(next.element);
      next.resolve(true);
    }
    return element;
  }

  /** The oldest element without taking it. */
  peek(): T | undefined {
    return this.items[0];
  }

  /**
   * Resolves when the queue is non-empty (at once if it already is) or on
   * {@link notifyAvailable}. Callers re-check their condition after it resolves: a wake-up may be
   * spurious, but one is never lost, because the check and the promise are taken in one
   * synchronous step.
   */
  availability(): Promise<void> {
    if (this.items.length > 0) return RESOLVED;
    if (!this.waiter) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      this.waiter = { promise, resolve };
    }
    return this.waiter.promise;
  }

  /** Wakes whoever awaits {@link availability} (errors, idle fetchers, end of input). */
  notifyAvailable(): void {
    const waiter = this.waiter;
    if (!waiter) return;
    this.waiter = undefined;
    waiter.resolve();
  }

  /** Makes `owner`'s pending {@link put} resolve `false`. No-op when it is not waiting. */
  wakeUpPutter(owner: number): void {
    const index = this.putters.findIndex((p) => p.owner === owner);
    if (index < 0) return;
    const [putter] = this.putters.splice(index, 1);
    putter?.resolve(false);
  }

  private push(element: T): void {
    this.items.push(element);
    this.notifyAvailable();
  }
}

interface Putter<T> {
  readonly owner: number;
  readonly element: T;
  readonly resolve: (put: boolean) => void;
}

const RESOLVED: Promise<void> = Promise.resolve();
const RESOLVED_TRUE: Promise<boolean> = Promise.resolve(true);
