import type { OrdinalSplit } from '@tributary/core';

/**
 * One slice of a sliced point-in-time search: which slice, the point in time it reads, and the
 * `search_after` position after the last emitted hit (`null`: from the start).
 */
export interface PitSliceSplit extends OrdinalSplit {
  readonly slice: number;
  readonly slices: number;
  readonly pitId: string;
  readonly searchAfter: readonly unknown[] | null;
}

/** The mutable state of a slice (advanced by the emitter only). */
export interface PitSliceState {
  readonly slice: number;
  readonly slices: number;
  pitId: string;
  searchAfter: readonly unknown[] | null;
}

/** A document read by the source: its `_source`, with where it came from. */
export interface ElasticsearchHit<T = Record<string, unknown>> {
  readonly _index: string;
  readonly _id: string;
  readonly _source: T;
}

/** What the enumerator reports as its end (for a `HybridSource`): the indices and when the point in time was opened. */
export interface ElasticsearchEndPosition {
  readonly index: string | readonly string[];
  /** Epoch ms at which the point in time was opened: writes after it are not in the read. */
  readonly snapshotAtMs: number;
}
