/**
 * What one {@link SplitReader.fetch} returns: the fetched elements grouped by split, plus the
 * splits that reached their end with this fetch (Flink's `RecordsWithSplitIds`).
 *
 * The shape is batch-first on purpose: a connector usually already holds one array per split
 * (a Kafka partition's messages, a Kinesis shard's `Records`, a file region's `FileReadBatch`),
 * so it hands those arrays over as they are; the reader walks them with an index and never
 * allocates per record.
 */
export interface RecordsWithSplitIds<E> {
  /**
   * Elements per split id, each array in split order. The arrays are handed over: neither the
   * split reader nor the reader mutates them once `fetch()` returned. Splits without elements in
   * this fetch may be absent (or map to an empty array).
   */
  readonly recordsBySplit: ReadonlyMap<string, readonly E[]>;
  /**
   * Splits that ended with this fetch: every element of theirs is in this fetch or an earlier
   * one. The reader handles them after emitting this fetch's elements, and the split reader must
   * never return elements of a split after reporting it finished.
   */
  readonly finishedSplits: readonly string[];
  /**
   * Called once the reader emitted every element of this fetch, so a connector can reuse its
   * buffers. Optional; most connectors let the garbage collector do it.
   */
  recycle?(): void;
}

const NO_SPLITS: readonly string[] = Object.freeze([]);
const NO_RECORDS: ReadonlyMap<string, readonly never[]> = new Map();

/**
 * The plain {@link RecordsWithSplitIds} (Flink's `RecordsBySplits`), with factories for the usual
 * shapes and a {@link RecordsBySplitsBuilder} for readers that assemble a fetch element by element.
 */
export class RecordsBySplits<E> implements RecordsWithSplitIds<E> {
  constructor(
    readonly recordsBySplit: ReadonlyMap<string, readonly E[]>,
    readonly finishedSplits: readonly string[] = NO_SPLITS,
  ) {}

  private static readonly EMPTY = new RecordsBySplits<never>(NO_RECORDS, NO_SPLITS);

  /** A fetch with nothing in it (a shared constant): what a woken-up or timed-out fetch returns. */
  static empty<E>(): RecordsWithSplitIds<E> {
    return RecordsBySplits.EMPTY;
  }

  /** The elements of one split, optionally marking that split finished. */
  static forSplit<E>(splitId: string, records: readonly E[], finished = false): RecordsBySplits<E> {
    return new RecordsBySplits(new Map([[splitId, records]]), finished ? [splitId] : NO_SPLITS);
  }

  /** No elements, only the news that these splits ended. */
  static finished<E>(splitIds: readonly string[]): RecordsBySplits<E> {
    return new RecordsBySplits<E>(NO_RECORDS, splitIds);
  }

  /** Starts a fetch assembled element by element (e.g. rows of several key ranges). */
  static builder<E>(): RecordsBySplitsBuilder<E> {
    return new RecordsBySplitsBuilder<E>();
  }
}

/** Collects elements per split into one {@link RecordsBySplits}. Not reusable after `build()`. */
export class RecordsBySplitsBuilder<E> {
  private readonly records = new Map<string, E[]>();
  private readonly finished: string[] = [];

  /** Appends one element to `splitId`'s array. */
  add(splitId: string, record: E): this {
    const list = this.records.get(splitId);
    if (list) list.push(record);
    else this.records.set(splitId, [record]);
    return this;
  }

  /** Appends many elements to `splitId`'s array. */
  addAll(splitId: string, records: readonly E[]): this {
    if (records.length === 0) return this;
    const list = this.records.get(splitId);
    if (list) for (const r of records) list.push(r);
    // Copied once per split and fetch (not per record), so later adds never mutate the caller's array.
    else this.records.set(splitId, records.slice());
    return this;
  }

  /** Marks `splitId` as ended with this fetch. */
  markFinished(splitId: string): this {
    if (!this.finished.includes(splitId)) this.finished.push(splitId);
    return this;
  }

  /** True when nothing was added and no split was marked finished. */
  get isEmpty(): boolean {
    return this.records.size === 0 && this.finished.length === 0;
  }

  build(): RecordsBySplits<E> {
    return new RecordsBySplits<E>(this.records, this.finished.length === 0 ? NO_SPLITS : this.finished);
  }
}

/** True when a fetch carries neither elements nor finished splits (nothing to hand over). */
export function isEmptyFetch(fetch: RecordsWithSplitIds<unknown>): boolean {
  if (fetch.finishedSplits.length > 0) return false;
  for (const records of fetch.recordsBySplit.values()) if (records.length > 0) return false;
  return true;
}
