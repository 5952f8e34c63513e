/**
 * One entry inside an async sink writer. `seq` is the order in which the writer accepted it;
 * the buffer is kept sorted by `seq`, which is how retried entries find their original place.
 * @internal
 */
export interface BufferedEntry<RequestEntryT> {
  readonly entry: RequestEntryT;
  readonly sizeInBytes: number;
  /** Assigned when the entry enters the buffer. */
  seq: number;
  /** Times this entry was sent and came back failed. */
  attempts: number;
}

/** Compact the backing array once this many slots at its front are dead. */
const COMPACT_THRESHOLD = 1024;

/**
 * The ordered buffer of an async sink writer: new entries at the tail, batches taken from the
 * head, failed entries merged back by their original order. An array with a moving head keeps
 * taking a batch O(batch) instead of O(buffer) (`splice(0, n)` moves the whole array).
 * @internal
 */
export class RequestBuffer<RequestEntryT> {
  private items: BufferedEntry<RequestEntryT>[] = [];
  private head = 0;
  private totalBytes = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  /** Sum of `sizeInBytes` over the buffered entries. */
  get bytes(): number {
    return this.totalBytes;
  }

  /** `seq` of the oldest entry, or `Infinity` when empty. */
  headSeq(): number {
    return this.items[this.head]?.seq ?? Number.POSITIVE_INFINITY;
  }

  push(item: BufferedEntry<RequestEntryT>): void {
    this.items.push(item);
    this.totalBytes += item.sizeInBytes;
  }

  /**
   * How many entries the next batch would hold: at most `maxCount`, and no more bytes than
   * `maxBytes` — except that a batch always holds at least one entry.
   */
  nextBatchSize(maxCount: number, maxBytes: number): number {
    const end = Math.min(this.items.length, this.head + maxCount);
    let bytes = 0;
    let i = this.head;
    for (; i < end; i++) {
      const size = (this.items[i] as BufferedEntry<RequestEntryT>).sizeInBytes;
      if (i > this.head && bytes + size > maxBytes) break;
      bytes += size;
    }
    return i - this.head;
  }

  /** Removes and returns the `count` oldest entries. */
  take(count: number): BufferedEntry<RequestEntryT>[] {
    const end = Math.min(this.items.length, this.head + count);
    const batch = this.items.slice(this.head, end);
    for (const item of batch) this.totalBytes -= item.sizeInBytes;
    this.head = end;
    this.compact();
    return batch;
  }

  /**
   * Puts failed entries back, each at the place its `seq` gives it, so that they go out again
   * before every entry accepted after them. `failed` must be sorted by `seq` (a request's
   * entries are). Usually they all precede the buffer and land in the free slots before `head`.
   */
  requeue(failed: readonly BufferedEntry<RequestEntryT>[]): void {
    const last = failed[failed.length - 1];
    if (last === undefined) return;
    for (const item of failed) this.totalBytes += item.sizeInBytes;
    // Buffered entries older than the newest failed one (re-queued by other requests) interleave.
    let end = this.head;
    while (end < this.items.length && (this.items[end] as BufferedEntry<RequestEntryT>).seq < last.seq) end++;
    const merged = mergeBySeq(this.items.slice(this.head, end), failed);
    if (merged.length <= end) {
      const start = end - merged.length;
      for (let i = 0; i < merged.length; i++)
        this.items[start + i] = merged[i] as BufferedEntry<RequestEntryT>;
      this.head = start;
    } else {
      // Not enough free slots: rebuild (concat, not splice(...merged), which has an argument limit).
      this.items = merged.concat(this.items.slice(end));
      this.head = 0;
    }
  }

  /** The buffered entries, oldest first (for snapshots). */
  toArray(): BufferedEntry<RequestEntryT>[] {
    return this.items.slice(this.head);
  }

  private compact(): void {
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= COMPACT_THRESHOLD && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}

/** Stable merge of two lists sorted by `seq`; on equal `seq` the first list's entry goes first. */
export function mergeBySeq<T extends { readonly seq: number }>(a: readonly T[], b: readonly T[]): T[] {
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as T;
    const y = b[j] as T;
    if (y.seq < x.seq) {
      out.push(y);
      j++;
    } else {
      out.push(x);
      i++;
    }
  }
  while (i < a.length) out.push(a[i++] as T);
  while (j < b.length) out.push(b[j++] as T);
  return out;
}
