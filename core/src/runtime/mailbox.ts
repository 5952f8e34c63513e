/**
 * A FIFO queue of messages for one serialized loop. Senders `put`; the owner `poll`s between
 * batches and awaits `available()` when it has nothing else to do. FIFO order matters: split
 * assignments sent before a checkpoint trigger are processed before the snapshot.
 */
export class Mailbox<M> {
  private items: M[] = [];
  private head = 0;
  private waiter: (() => void) | undefined;
  private waiting: Promise<void> | undefined;

  put(message: M): void {
    this.items.push(message);
    const wake = this.waiter;
    if (wake) {
      this.waiter = undefined;
      this.waiting = undefined;
      wake();
    }
  }

  poll(): M | undefined {
    if (this.head >= this.items.length) return undefined;
    const message = this.items[this.head++];
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return message;
  }

  get size(): number {
    return this.items.length - this.head;
  }

  /** Resolves when a message is (or becomes) available. */
  available(): Promise<void> {
    if (this.size > 0) return Promise.resolve();
    if (!this.waiting) {
      this.waiting = new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
    return this.waiting;
  }
}

/**
 * Runs actions one at a time in submission order (the coordinator's "serialized loop"): an action
 * that awaits keeps later actions waiting, so enumerator state is never mutated concurrently.
 */
export class SerialExecutor {
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly onError: (error: unknown) => void) {}

  /** Queues `action`; the returned promise settles with its result. */
  run<R>(action: () => R | Promise<R>): Promise<R> {
    const next = this.tail.then(() => {
      if (this.closed) throw new Error('executor closed');
      return action();
    });
    this.tail = next.catch(() => undefined);
    return next;
  }

  /** Queues `action` and routes its failure to the error handler (fire and forget). */
  execute(action: () => unknown): void {
    this.run(action).catch((error: unknown) => {
      if (!this.closed) this.onError(error);
    });
  }

  close(): void {
    this.closed = true;
  }
}
