import type { SourceEvents, SourceSplit } from '../../api/source.js';
import { jsonSerializer, type VersionedSerializer } from '../../serialization/versioned-serializer.js';

/**
 * A split of one of the hybrid source's underlying sources, wrapped with the index of that source
 * and serialized with its split serializer (so the hybrid source needs no knowledge of its type).
 * The id is `<sourceIndex>:<underlying split id>`, unique across the sources.
 */
export interface HybridSourceSplit extends SourceSplit {
  readonly sourceIndex: number;
  /** Version of the underlying split serializer that wrote `bytes`. */
  readonly version: number;
  /** The underlying split, base64. */
  readonly bytes: string;
}

/** The hybrid enumerator's checkpoint. */
export interface HybridEnumeratorState {
  /** The source being read. */
  readonly sourceIndex: number;
  /** The end position the source at `sourceIndex` was built from (its factory's input). */
  readonly previousEndPosition?: unknown;
  /** The current underlying enumerator's state, serialized with that source's serializer. */
  readonly underlying: { readonly version: number; readonly bytes: string };
  /** Splits the underlying enumerator assigned to readers that had not switched to it yet. */
  readonly pendingSplits: readonly { readonly subtask: number; readonly split: HybridSourceSplit }[];
  /** Readers the underlying enumerator told "no more splits" before they switched to it. */
  readonly pendingNoMoreSplits: readonly number[];
}

/** Serializer of {@link HybridSourceSplit} (JSON, version 1). */
export const hybridSplitSerializer: VersionedSerializer<HybridSourceSplit> =
  jsonSerializer<HybridSourceSplit>({
    name: 'HybridSourceSplit',
  });

/** Serializer of {@link HybridEnumeratorState} (JSON, version 1). */
export const hybridEnumeratorStateSerializer: VersionedSerializer<HybridEnumeratorState> =
  jsonSerializer<HybridEnumeratorState>({ name: 'HybridEnumeratorState' });

/** Bytes → base64 (wrapped splits and state are JSON). */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Base64 → bytes. */
export function fromBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

/** Wraps an underlying split of source `sourceIndex`. */
export function wrapSplit<S extends SourceSplit>(
  sourceIndex: number,
  serializer: VersionedSerializer<S>,
  split: S,
): HybridSourceSplit {
  return {
    splitId: `${sourceIndex}:${split.splitId}`,
    sourceIndex,
    version: serializer.version,
    bytes: toBase64(serializer.serialize(split)),
  };
}

/** Reads the underlying split back. */
export function unwrapSplit<S extends SourceSplit>(
  serializer: VersionedSerializer<S>,
  split: HybridSourceSplit,
): S {
  return serializer.deserialize(split.version, fromBase64(split.bytes));
}

/**
 * Source events of the hybrid protocol (FLIP-150). All are JSON; `hybrid` tells them apart from
 * the underlying sources' own events, which travel wrapped in `forward`.
 */
/** Events a hybrid reader sends to the hybrid enumerator. */
export type HybridReaderEvent =
  /** A reader (re)started; `sourceIndex` is the index of its restored splits, or -1. */
  | { readonly hybrid: 'readerStarted'; readonly sourceIndex: number }
  /** A reader read everything of source `sourceIndex`. */
  | { readonly hybrid: 'readerFinished'; readonly sourceIndex: number }
  | { readonly hybrid: 'splitRequest'; readonly sourceIndex: number }
  | {
      readonly hybrid: 'forward';
      readonly sourceIndex: number;
      readonly event: Readonly<Record<string, unknown>>;
    };

/** Events the hybrid enumerator sends to a hybrid reader. */
export type HybridEnumeratorEvent =
  /** Read source `sourceIndex` now; `previousEndPosition` rebuilds it from its factory. */
  | {
      readonly hybrid: 'switchSource';
      readonly sourceIndex: number;
      readonly previousEndPosition?: unknown;
      readonly final: boolean;
    }
  /** "No more splits" of a non-final source (the final one uses the real signal). */
  | { readonly hybrid: 'noMoreSplits'; readonly sourceIndex: number }
  | {
      readonly hybrid: 'forward';
      readonly sourceIndex: number;
      readonly event: Readonly<Record<string, unknown>>;
    };

/** The hybrid source's events in both directions. */
export type HybridSourceEvents = SourceEvents<HybridEnumeratorEvent, HybridReaderEvent>;

/** True for an event of the hybrid protocol (a defensive check on what crossed the wire). */
export function isHybridEvent(event: object): boolean {
  const e = event as { hybrid?: unknown; sourceIndex?: unknown };
  return typeof e.hybrid === 'string' && typeof e.sourceIndex === 'number';
}

/** Normalizes an end position to what JSON carries, so both sides build the same next source. */
export function toJsonValue(value: unknown): unknown {
  return value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as unknown);
}
