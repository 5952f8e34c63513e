import type { AnySource, Boundedness } from '../../api/source.js';
import { BuiltinErrorCodes } from '../../builtins/builtin-error-codes.js';
import { TributaryError } from '../../errors/tributary-error.js';

/** What a {@link HybridSourceFactory} gets to build the next source from. */
export interface HybridSourceFactoryContext {
  /** Index of the source being built (≥ 1). */
  readonly sourceIndex: number;
  /**
   * The previous source's end position (`SplitEnumerator.endPosition()`), as JSON carries it
   * (`undefined` when that enumerator reports none).
   */
  readonly previousEndPosition: unknown;
}

/**
 * Builds a source of a hybrid source when the previous one finished, e.g. Kafka starting at the
 * files' last timestamp. It runs on the coordinator **and** in every reader (and again after a
 * restore), so it must be a pure function of its context: same context, equivalent source.
 */
export type HybridSourceFactory<T> = (ctx: HybridSourceFactoryContext) => AnySource<T>;

/** One position of a hybrid source: a source, or a factory with its declared boundedness. */
export type HybridSourceEntry<T> =
  | { readonly kind: 'source'; readonly source: AnySource<T> }
  | { readonly kind: 'factory'; readonly factory: HybridSourceFactory<T>; readonly boundedness: Boundedness };

/** The boundedness of a position: the source's, or the one declared with its factory. */
export function boundednessOf(entry: HybridSourceEntry<unknown>): Boundedness {
  return entry.kind === 'source' ? entry.source.boundedness : entry.boundedness;
}

/** The typed error for an unbounded source before the last position. */
export function unboundedSourceError(sourceIndex: number, count: number): TributaryError {
  return new TributaryError(
    BuiltinErrorCodes.HYBRID_UNBOUNDED_SOURCE,
    `Hybrid source: source ${sourceIndex} of ${count} is unbounded; only the last source may be unbounded (the next source starts when this one ends)`,
    { context: { sourceIndex, sources: count } },
  );
}

/** Structural check for a FLIP-27 source (two copies of core may be loaded). */
export function isSource(value: unknown): value is AnySource<unknown> {
  const s = value as Partial<AnySource<unknown>> | null;
  return (
    typeof s === 'object' &&
    s !== null &&
    typeof s.createEnumerator === 'function' &&
    typeof s.createReader === 'function' &&
    (s.boundedness === 'bounded' || s.boundedness === 'unbounded')
  );
}

/**
 * The source at `sourceIndex`, built from `previousEndPosition` when it comes from a factory.
 * Checks what a factory returns: a source, with the boundedness it declared.
 */
export function resolveSource<T>(
  entries: readonly HybridSourceEntry<T>[],
  sourceIndex: number,
  previousEndPosition: unknown,
): AnySource<T> {
  const entry = entries[sourceIndex];
  if (!entry) {
    throw new TributaryError(
      BuiltinErrorCodes.HYBRID_BAD_STATE,
      `Hybrid source has no source ${sourceIndex} (it has ${entries.length}); was the job changed incompatibly before the restore?`,
      { context: { sourceIndex, sources: entries.length } },
    );
  }
  if (entry.kind === 'source') return entry.source;
  let built: unknown;
  try {
    built = entry.factory({ sourceIndex, previousEndPosition });
  } catch (cause) {
    throw new TributaryError(
      BuiltinErrorCodes.HYBRID_SOURCE_FACTORY,
      `Hybrid source factory ${sourceIndex} threw`,
      {
        cause,
        context: { sourceIndex },
      },
    );
  }
  if (!isSource(built)) {
    throw new TributaryError(
      BuiltinErrorCodes.HYBRID_SOURCE_FACTORY,
      `Hybrid source factory ${sourceIndex} did not return a source`,
      { context: { sourceIndex } },
    );
  }
  if (built.boundedness !== entry.boundedness) {
    if (built.boundedness === 'unbounded' && sourceIndex < entries.length - 1) {
      throw unboundedSourceError(sourceIndex, entries.length);
    }
    throw new TributaryError(
      BuiltinErrorCodes.HYBRID_SOURCE_FACTORY,
      `Hybrid source factory ${sourceIndex} was declared ${entry.boundedness} but built a ${built.boundedness} source`,
      { context: { sourceIndex, declared: entry.boundedness, actual: built.boundedness } },
    );
  }
  return built as AnySource<T>;
}
