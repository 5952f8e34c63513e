import type {
  AnySource,
  Boundedness,
  Source,
  SourceReader,
  SourceReaderContext,
  SplitEnumerator,
  SplitEnumeratorContext,
} from '../../api/source.js';
import { BuiltinErrorCodes } from '../../builtins/builtin-error-codes.js';
import { TributaryError } from '../../errors/tributary-error.js';
import type { VersionedSerializer } from '../../serialization/versioned-serializer.js';
import {
  boundednessOf,
  type HybridSourceEntry,
  type HybridSourceFactory,
  isSource,
  unboundedSourceError,
} from './hybrid-source-entries.js';
import { HybridSourceReader } from './hybrid-source-reader.js';
import {
  type HybridEnumeratorState,
  type HybridSourceEvents,
  type HybridSourceSplit,
  hybridEnumeratorStateSerializer,
  hybridSplitSerializer,
} from './hybrid-source-split.js';
import { HybridSplitEnumerator } from './hybrid-split-enumerator.js';

/**
 * Reads several sources one after another as one source (FLIP-150), e.g. history from files, then
 * live data from Kafka starting where the files ended. Every source but the last must be bounded.
 * When every reader finished source *i*, the enumerator switches to *i + 1*; a source given as a
 * factory is built then, from the previous enumerator's `endPosition()`. The current source
 * index is part of the checkpoint, so a restore continues in the right source and never re-reads
 * a finished one.
 *
 * Requirements on the parts: end positions must be JSON-serializable (they travel in events and
 * checkpoints); factories must be deterministic (they run on the coordinator and in each reader);
 * all sources produce the same record type.
 *
 * @example
 * ```ts
 * const source = HybridSource.builder(history)             // bounded
 *   .addSource(({ previousEndPosition }) =>
 *     new DataGeneratorSource({
 *       generator: makeEvent,
 *       startIndex: (previousEndPosition as DataGeneratorEndPosition).nextIndex,
 *     }), 'unbounded')
 *   .build();
 * ```
 */
export class HybridSource<T>
  implements Source<T, HybridSourceSplit, HybridEnumeratorState, HybridSourceEvents>
{
  readonly boundedness: Boundedness;
  readonly splitSerializer: VersionedSerializer<HybridSourceSplit> = hybridSplitSerializer;
  readonly enumeratorStateSerializer: VersionedSerializer<HybridEnumeratorState> =
    hybridEnumeratorStateSerializer;

  /** Use {@link HybridSource.builder}. @internal */
  constructor(readonly entries: readonly HybridSourceEntry<T>[]) {
    const last = entries.at(-1);
    if (!last) throw new TypeError('HybridSource needs at least one source');
    this.boundedness = boundednessOf(last);
  }

  /** Starts a hybrid source with its first source (a source object, not a factory). */
  static builder<T>(first: AnySource<T>): HybridSourceBuilder<T> {
    return new HybridSourceBuilder<T>(first);
  }

  createEnumerator(
    ctx: SplitEnumeratorContext<HybridSourceSplit, HybridSourceEvents>,
  ): SplitEnumerator<HybridSourceSplit, HybridEnumeratorState, HybridSourceEvents> {
    return new HybridSplitEnumerator<T>(ctx, this.entries);
  }

  restoreEnumerator(
    ctx: SplitEnumeratorContext<HybridSourceSplit, HybridSourceEvents>,
    state: HybridEnumeratorState,
  ): SplitEnumerator<HybridSourceSplit, HybridEnumeratorState, HybridSourceEvents> {
    return new HybridSplitEnumerator<T>(ctx, this.entries, state);
  }

  createReader(
    ctx: SourceReaderContext<HybridSourceEvents>,
  ): SourceReader<T, HybridSourceSplit, HybridSourceEvents> {
    return new HybridSourceReader<T>(ctx, this.entries);
  }
}

/** Builds a {@link HybridSource}; `build()` checks that only the last source is unbounded. */
export class HybridSourceBuilder<T> {
  private readonly entries: HybridSourceEntry<T>[] = [];

  constructor(first: AnySource<T>) {
    this.entries.push(this.checkSource(first));
  }

  /** Appends a source that is known up front. */
  addSource(source: AnySource<T>): this;
  /**
   * Appends a source built when the previous one finished, from its end position. The
   * boundedness must be declared now (the hybrid source's own boundedness depends on it) and
   * is checked against what the factory builds.
   */
  addSource(factory: HybridSourceFactory<T>, boundedness: Boundedness): this;
  addSource(sourceOrFactory: AnySource<T> | HybridSourceFactory<T>, boundedness?: Boundedness): this {
    if (typeof sourceOrFactory === 'function') {
      if (boundedness !== 'bounded' && boundedness !== 'unbounded') {
        throw new TributaryError(
          BuiltinErrorCodes.HYBRID_SOURCE_FACTORY,
          `HybridSource.addSource(factory, boundedness): boundedness must be 'bounded' or 'unbounded' (source ${this.entries.length})`,
          { context: { sourceIndex: this.entries.length } },
        );
      }
      this.entries.push({ kind: 'factory', factory: sourceOrFactory, boundedness });
    } else {
      this.entries.push(this.checkSource(sourceOrFactory));
    }
    return this;
  }

  /** Throws `TRIB_HYBRID_UNBOUNDED_SOURCE` when a source other than the last is unbounded. */
  build(): HybridSource<T> {
    for (let i = 0; i < this.entries.length - 1; i++) {
      if (boundednessOf(this.entries[i] as HybridSourceEntry<T>) !== 'bounded') {
        throw unboundedSourceError(i, this.entries.length);
      }
    }
    return new HybridSource<T>([...this.entries]);
  }

  private checkSource(source: AnySource<T>): HybridSourceEntry<T> {
    if (!isSource(source)) {
      throw new TributaryError(
        BuiltinErrorCodes.HYBRID_SOURCE_FACTORY,
        `HybridSource: source ${this.entries.length} is not a source (expected createEnumerator, createReader and boundedness)`,
        { context: { sourceIndex: this.entries.length } },
      );
    }
    return { kind: 'source', source };
  }
}
