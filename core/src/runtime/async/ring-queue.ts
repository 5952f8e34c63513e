/**
 * A FIFO on a circular array that doubles when full: push and shift in O(1) without allocating
 * once it has grown to the most items it ever held (an array with `shift()` or a moving head
 * index keeps allocating or needs compaction). The array length is a power of two, so wrapping
 * an index is a mask, not a division (this sits on the per-record path of the async stage).
 */
export class RingQueue<T> {
  private items: (T | undefined)[];
  private mask: number;
  private head = 0;
  private count = 0;

  constructor(initialCapacity = 16) {
    let capacity = 1;
    while (capacity < initialCapacity) capacity *= 2;
    this.items = new Array<T | undefined>(capacity).fill(undefined);
    this.mask = capacity - 1;
  }

  get size(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) & this.mask] = item;
    this.count++;
  }

  /** The oldest item, or undefined when empty. */
  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head];
  }

  /** The item `index` places after the oldest (0 = the oldest), or undefined past the end. */
  at(index: number): T | undefined {
    return index < this.count ? this.items[(this.head + index) & this.mask] : undefined;
  }

  /** Removes and returns the oldest item, or undefined when empty. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.count--;
    return item;
  }

  /** The items, oldest first. */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.items[(this.head + i) & this.mask] as T);
    return out;
  }

  private grow(): void {
    const items = this.toArray() as (T | undefined)[];
    const capacity = this.items.length * 2;
    while (items.length < capacity) items.push(undefined);
    this.items = items;
    this.mask = capacity - 1;
    this.head = 0;
  }
}
