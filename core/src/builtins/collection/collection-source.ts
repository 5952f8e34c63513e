import { z } from 'zod';
import type {
  Source,
  SourceOutput,
  SourceReader,
  SourceReaderContext,
  SplitEnumerator,
  SplitEnumeratorContext,
} from '../../api/source.js';
import { defineOptions } from '../../config/options.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { jsonSerializer, type VersionedSerializer } from '../../serialization/versioned-serializer.js';
import { BuiltinErrorCodes } from '../builtin-error-codes.js';
import { SequenceReaderBase, type SplitCursor } from '../shared/sequence-reader-base.js';
import {
  type OrdinalSplit,
  type StaticEnumeratorState,
  StaticSplitEnumerator,
} from '../shared/static-split-enumerator.js';

/**
 * A slice of the collection. The values travel inside the split (so a reader in another worker or
 * process needs nothing else) and are therefore serialized as JSON.
 */
export interface CollectionSplit<T = unknown> extends OrdinalSplit {
  /** Index of `values[0]` in the whole collection. */
  readonly offset: number;
  readonly values: readonly T[];
  /** Index into `values` of the next record to emit: the split's position. */
  readonly position: number;
}

/** The enumerator state of a {@link CollectionSource}. */
export type CollectionEnumeratorState<T = unknown> = StaticEnumeratorState<CollectionSplit<T>>;

/** The options schema of {@link CollectionSource}. */
export const collectionSourceOptions = defineOptions(
  'collection.source',
  z
    .object({
      numSplits: z
        .number()
        .int()
        .min(1)
        .optional()
        .describe('Number of slices. Unset: the source parallelism (one slice per reader).'),
      timestamp: z
        .custom<(value: unknown, index: number) => number>((v) => typeof v === 'function', {
          message: 'must be a function (value, index) => epoch ms',
        })
        .optional()
        .meta({ type: '(value, index) => number' })
        .describe(
          'Event time (ms since the epoch) of a value and its index. Unset: records carry no timestamp.',
        ),
      maxRecordsPerPoll: z
        .number()
        .int()
        .min(1)
        .default(1000)
        .describe('Most records one reader emits per poll (the batch size).'),
      endPosition: z
        .unknown()
        .optional()
        .meta({ type: 'JSON value' })
        .describe(
          'What the source reports as its end position to the next source of a hybrid source (JSON-serializable). Unset: `{ count }`.',
        ),
    })
    .strict(),
);

/** Options of a {@link CollectionSource}. */
export interface CollectionSourceOptions<T> {
  /** Number of slices; default the source parallelism. */
  readonly numSplits?: number;
  /** Event time (ms since the epoch) of a value (`index` is its index in the collection). */
  readonly timestamp?: (value: T, index: number) => number;
  /** Most records one reader emits per poll. Default 1000. */
  readonly maxRecordsPerPoll?: number;
  /** End position handed to the next source of a hybrid source; default `{ count: values.length }`. */
  readonly endPosition?: unknown;
}

/**
 * A bounded source reading an in-memory array, for tests, examples and docs. The array is cut into
 * `numSplits` contiguous slices; each slice is read in order and its state is the position in it,
 * so a restore resumes exactly.
 *
 * **Values must be JSON-serializable**: slices are serialized with JSON for transport and
 * checkpoints, so `Date` becomes a string, `undefined` in arrays becomes `null`, `Map`/class
 * instances lose their type, and `bigint` or cyclic values are rejected at construction.
 *
 * @example
 * ```ts
 * const source = CollectionSource.of([{ id: 1 }, { id: 2 }, { id: 3 }]);
 * ```
 */
export class CollectionSource<T> implements Source<T, CollectionSplit<T>, CollectionEnumeratorState<T>> {
  readonly boundedness = 'bounded' as const;
  readonly splitSerializer: VersionedSerializer<CollectionSplit<T>> = jsonSerializer<CollectionSplit<T>>({
    name: 'CollectionSplit',
  });
  readonly enumeratorStateSerializer: VersionedSerializer<CollectionEnumeratorState<T>> = jsonSerializer<
    CollectionEnumeratorState<T>
  >({ name: 'CollectionEnumeratorState' });
  private readonly values: readonly T[];
  private readonly options: ReturnType<typeof collectionSourceOptions.parse>;

  /** Copies `values`; throws `TRIB_COLLECTION_NOT_SERIALIZABLE` when JSON cannot encode them. */
  constructor(values: readonly T[], options: CollectionSourceOptions<T> = {}) {
    this.options = collectionSourceOptions.parse(options);
    try {
      JSON.stringify(values);
    } catch (cause) {
      throw new TributaryError(
        BuiltinErrorCodes.COLLECTION_NOT_SERIALIZABLE,
        'CollectionSource values must be JSON-serializable (no bigint, no cycles): its splits carry them as JSON',
        { cause, context: { size: values.length } },
      );
    }
    this.values = [...values];
  }

  /** A collection source over `values`. */
  static of<T>(values: readonly T[], options: CollectionSourceOptions<T> = {}): CollectionSource<T> {
    return new CollectionSource(values, options);
  }

  createEnumerator(
    ctx: SplitEnumeratorContext<CollectionSplit<T>>,
  ): SplitEnumerator<CollectionSplit<T>, CollectionEnumeratorState<T>> {
    return this.enumerator(ctx, this.slices(ctx.currentParallelism));
  }

  restoreEnumerator(
    ctx: SplitEnumeratorContext<CollectionSplit<T>>,
    state: CollectionEnumeratorState<T>,
  ): SplitEnumerator<CollectionSplit<T>, CollectionEnumeratorState<T>> {
    return this.enumerator(ctx, state.unassigned);
  }

  createReader(ctx: SourceReaderContext): SourceReader<T, CollectionSplit<T>> {
    const timestamp = this.options.timestamp as ((value: T, index: number) => number) | undefined;
    return new CollectionReader<T>(ctx, timestamp, this.options.maxRecordsPerPoll);
  }

  private slices(parallelism: number): CollectionSplit<T>[] {
    const n = this.values.length;
    const numSplits = this.options.numSplits ?? Math.max(1, parallelism);
    const splits: CollectionSplit<T>[] = [];
    for (let j = 0; j < numSplits; j++) {
      const from = Math.floor((j * n) / numSplits);
      const to = Math.floor(((j + 1) * n) / numSplits);
      if (to > from) {
        splits.push({
          splitId: `collection-${j}`,
          ordinal: j,
          offset: from,
          values: this.values.slice(from, to),
          position: 0,
        });
      }
    }
    return splits;
  }

  private enumerator(
    ctx: SplitEnumeratorContext<CollectionSplit<T>>,
    splits: readonly CollectionSplit<T>[],
  ): StaticSplitEnumerator<CollectionSplit<T>> {
    const end = this.options.endPosition ?? { count: this.values.length };
    return new StaticSplitEnumerator(ctx, splits, () => end);
  }
}

class CollectionReader<T> extends SequenceReaderBase<T, CollectionSplit<T>> {
  constructor(
    ctx: SourceReaderContext,
    private readonly timestamp: ((value: T, index: number) => number) | undefined,
    maxRecordsPerPoll: number,
  ) {
    super(ctx, { maxRecordsPerPoll });
  }

  protected remaining(cursor: SplitCursor<CollectionSplit<T>>): number {
    return cursor.values.length - cursor.position;
  }

  protected emit(cursor: SplitCursor<CollectionSplit<T>>, output: SourceOutput<T>, count: number): void {
    const { values, offset } = cursor;
    const { timestamp } = this;
    const to = cursor.position + count;
    for (let i = cursor.position; i < to; i++) {
      const value = values[i] as T;
      if (timestamp) output.collect(value, timestamp(value, offset + i));
      else output.collect(value);
    }
    cursor.position = to;
  }
}
