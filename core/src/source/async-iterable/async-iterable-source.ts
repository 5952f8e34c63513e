import type {
  Boundedness,
  InputStatus,
  ReaderOutput,
  Source,
  SourceReader,
  SourceReaderContext,
  SplitEnumerator,
  SplitEnumeratorContext,
} from '../../api/source.js';
import {
  type OrdinalSplit,
  type StaticEnumeratorState,
  StaticSplitEnumerator,
} from '../../builtins/shared/static-split-enumerator.js';
import { jsonSerializer, type VersionedSerializer } from '../../serialization/versioned-serializer.js';

/** The one split of an async-iterable source: where the next run resumes. */
export interface AsyncIterableSplit<P> extends OrdinalSplit {
  /** Position after the last emitted record; undefined before the first. */
  readonly position: P | undefined;
  /** Records emitted so far (the position itself when no `positions` function is given). */
  readonly emitted: number;
}

export interface AsyncIterableSourceOptions<T, P> {
  /**
   * The position after `record` (an offset, a cursor, a page token), checkpointed with every
   * checkpoint and handed to the factory on restore, which must resume right after it. Without it,
   * the position is the number of records emitted, and a restore calls the factory again and
   * skips that many records: only for iterables that replay the same records in the same order.
   */
  readonly positions?: (record: T, previous: P | undefined) => P;
  /** Event time of a record (ms since the epoch). Default: records carry none. */
  readonly timestamp?: (record: T) => number;
  /** Default `bounded` (the iterable ends); `unbounded` for endless streams. */
  readonly boundedness?: Boundedness;
  /** Records fetched ahead of the pipeline (the backpressure bound). Default 1000. */
  readonly bufferSize?: number;
  /** Serializes positions into checkpoints. Default: JSON. */
  readonly positionSerializer?: VersionedSerializer<P>;
}

/**
 * Opens the iterable. `from` is the checkpointed position (undefined on a fresh start), or, without
 * a `positions` function, undefined always (the adapter skips what was emitted).
 */
export type AsyncIterableFactory<T, P> = (from: P | undefined) => AsyncIterable<T> | Iterable<T>;

const SPLIT_ID = 'async-iterable';

/**
 * A source over one async iterable (a paginated API, a generator, a driver's cursor): one split,
 * read by subtask 0 (other subtasks end at once), its position checkpointed. For quick connectors
 * and tests; connectors with many partitions use the connector base instead.
 */
export class AsyncIterableSource<T, P = number>
  implements Source<T, AsyncIterableSplit<P>, StaticEnumeratorState<AsyncIterableSplit<P>>>
{
  readonly boundedness: Boundedness;
  readonly splitSerializer: VersionedSerializer<AsyncIterableSplit<P>>;
  readonly enumeratorStateSerializer: VersionedSerializer<StaticEnumeratorState<AsyncIterableSplit<P>>>;

  constructor(
    private readonly factory: AsyncIterableFactory<T, P>,
    private readonly options: AsyncIterableSourceOptions<T, P> = {},
  ) {
    this.boundedness = options.boundedness ?? 'bounded';
    const positions = options.positionSerializer ?? jsonSerializer<P>({ name: 'AsyncIterable position' });
    const toJson = (split: AsyncIterableSplit<P>) => ({
      ordinal: split.ordinal,
      emitted: split.emitted,
      position:
        split.position === undefined
          ? null
          : Buffer.from(positions.serialize(split.position)).toString('base64'),
      positionVersion: positions.version,
    });
    const fromJson = (json: unknown): AsyncIterableSplit<P> => {
      const j = json as {
        ordinal: number;
        emitted: number;
        position: string | null;
        positionVersion: number;
      };
      return {
        splitId: SPLIT_ID,
        ordinal: j.ordinal,
        emitted: j.emitted,
        position:
          j.position === null
            ? undefined
            : positions.deserialize(j.positionVersion, Buffer.from(j.position, 'base64')),
      };
    };
    this.splitSerializer = jsonSerializer({ name: 'AsyncIterableSplit', toJson, fromJson });
    this.enumeratorStateSerializer = jsonSerializer({
      name: 'AsyncIterable enumerator state',
      toJson: (state: StaticEnumeratorState<AsyncIterableSplit<P>>) => ({
        unassigned: state.unassigned.map(toJson),
      }),
      fromJson: (json) => ({ unassigned: (json as { unassigned: unknown[] }).unassigned.map(fromJson) }),
    });
  }

  createEnumerator(
    ctx: SplitEnumeratorContext<AsyncIterableSplit<P>>,
  ): SplitEnumerator<AsyncIterableSplit<P>, StaticEnumeratorState<AsyncIterableSplit<P>>> {
    return new StaticSplitEnumerator(ctx, [
      { splitId: SPLIT_ID, ordinal: 0, position: undefined, emitted: 0 },
    ]);
  }

  restoreEnumerator(
    ctx: SplitEnumeratorContext<AsyncIterableSplit<P>>,
    state: StaticEnumeratorState<AsyncIterableSplit<P>>,
  ): SplitEnumerator<AsyncIterableSplit<P>, StaticEnumeratorState<AsyncIterableSplit<P>>> {
    return new StaticSplitEnumerator(ctx, state.unassigned);
  }

  createReader(ctx: SourceReaderContext): SourceReader<T, AsyncIterableSplit<P>> {
    return new AsyncIterableReader(this.factory, this.options, ctx);
  }
}

/**
 * Pumps the iterator into a bounded buffer in the background; `pollNext` hands the buffer to the
 * pipeline and advances the split's position record by record, so a snapshot names exactly the
 * last emitted record.
 */
class AsyncIterableReader<T, P> implements SourceReader<T, AsyncIterableSplit<P>> {
  private split: AsyncIterableSplit<P> | undefined;
  private noMoreSplits = false;
  private buffer: T[] = [];
  private exhausted = false;
  private failure: unknown;
  private iterator: AsyncIterator<T> | Iterator<T> | undefined;
  private pumping = false;
  private closed = false;
  private wake: (() => void) | undefined;
  private available: Promise<void> | undefined;
  private readonly bufferSize: number;

  constructor(
    private readonly factory: AsyncIterableFactory<T, P>,
    private readonly options: AsyncIterableSourceOptions<T, P>,
    private readonly ctx: SourceReaderContext,
  ) {
    this.bufferSize = options.bufferSize ?? 1000;
  }

  start(): void {}

  addSplits(splits: readonly AsyncIterableSplit<P>[]): void {
    for (const split of splits) {
      this.split = split;
      const iterable = this.factory(this.options.positions ? split.position : undefined);
      this.iterator =
        Symbol.asyncIterator in iterable
          ? (iterable as AsyncIterable<T>)[Symbol.asyncIterator]()
          : (iterable as Iterable<T>)[Symbol.iterator]();
      // Without a positions function, resume by skipping what the checkpoint says was emitted.
      void this.pump(this.options.positions ? 0 : split.emitted);
    }
    this.signal();
  }

  notifyNoMoreSplits(): void {
    this.noMoreSplits = true;
    this.signal();
  }

  pollNext(output: ReaderOutput<T>): InputStatus {
    if (this.failure !== undefined) throw this.failure;
    const split = this.split;
    if (split === undefined) return this.noMoreSplits ? 'end' : 'nothing';
    const records = this.buffer;
    if (records.length > 0) {
      this.buffer = [];
      const { positions, timestamp } = this.options;
      let position = split.position;
      for (const record of records) {
        if (positions) position = positions(record, position);
        if (timestamp) output.collect(record, timestamp(record));
        else output.collect(record);
      }
      const emitted = split.emitted + records.length;
      this.split = { ...split, emitted, position: positions ? position : (emitted as P) };
      if (!this.pumping && !this.exhausted) void this.pump(0);
      return this.exhausted ? 'more' : 'nothing';
    }
    if (this.exhausted) {
      output.releaseOutputForSplit(SPLIT_ID);
      this.split = undefined;
      this.iterator = undefined;
      return this.noMoreSplits ? 'end' : 'nothing';
    }
    return 'nothing';
  }

  isAvailable(): Promise<void> {
    if (
      this.buffer.length > 0 ||
      this.exhausted ||
      this.failure !== undefined ||
      (this.split === undefined && this.noMoreSplits)
    )
      return Promise.resolve();
    this.available ??= new Promise<void>((resolve) => {
      this.wake = resolve;
    });
    return this.available;
  }

  snapshotState(): AsyncIterableSplit<P>[] {
    return this.split ? [this.split] : [];
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.iterator?.return?.();
  }

  /** Fetches until the buffer is full or the iterable ends; `skip` drops replayed records first. */
  private async pump(skip: number): Promise<void> {
    const iterator = this.iterator;
    if (!iterator || this.pumping) return;
    this.pumping = true;
    let toSkip = skip;
    try {
      while (!this.closed && this.buffer.length < this.bufferSize) {
        const next = await iterator.next();
        if (next.done) {
          this.exhausted = true;
          break;
        }
        if (toSkip > 0) {
          toSkip--;
          continue;
        }
        this.buffer.push(next.value);
        if (this.buffer.length === 1) this.signal();
      }
    } catch (error) {
      this.failure = error;
      this.ctx.logger.warn({ subtask: this.ctx.subtaskId }, 'async iterable failed');
    } finally {
      this.pumping = false;
      this.signal();
    }
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    this.available = undefined;
    wake?.();
  }
}
