import type { Source as SourceDescription, SourceEvents, SourceSplit } from '../api/source.js';
import {
  type AsyncIterableFactory,
  AsyncIterableSource,
  type AsyncIterableSourceOptions,
} from './async-iterable/async-iterable-source.js';

/** The source API type (see `api/source.ts`); the same name holds the simple source factories. */
export type Source<
  T,
  SplitT extends SourceSplit = SourceSplit,
  EnumStateT = unknown,
  EventsT extends SourceEvents = SourceEvents,
> = SourceDescription<T, SplitT, EnumStateT, EventsT>;

/** Factories of simple sources: `Source.fromAsyncIterable(...)`. */
export const Source = {
  /**
   * A single-split source over an async (or sync) iterable whose position is checkpointed: see
   * {@link AsyncIterableSource}. `factory(from)` opens the iterable at a checkpointed position.
   */
  fromAsyncIterable<T, P = number>(
    factory: AsyncIterableFactory<T, P>,
    options: AsyncIterableSourceOptions<T, P> = {},
  ): AsyncIterableSource<T, P> {
    return new AsyncIterableSource<T, P>(factory, options);
  },
};
