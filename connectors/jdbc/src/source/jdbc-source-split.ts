import type { SourceSplit } from '@tributary/core';

/** A value of a key column in a checkpoint (bigint and Date survive JSON). */
export type KeyValue =
  | string
  | number
  | boolean
  | null
  | { readonly $bigint: string }
  | { readonly $date: string };

/**
 * A range of the table (or the whole table), read in key order. `lastKey` is the key of the
 * last row emitted: a restored split resumes right after it.
 */
export interface JdbcSplit extends SourceSplit {
  readonly ordinal: number;
  /** `partitionColumn >= lower`: integer text, or a column value when `bounds` is `value`. */
  readonly lower?: KeyValue;
  /** `partitionColumn < upper`, or `<=` when `upperInclusive`. */
  readonly upper?: KeyValue;
  /** `value`: the bounds are column values (dates, timestamps, key boundaries), bound as such. */
  readonly bounds?: 'integer' | 'value';
  readonly upperInclusive?: boolean;
  /** The split of rows whose partition column is NULL. */
  readonly nulls?: boolean;
  /** Incremental modes: the split never ends; it polls for rows after `lastKey`. */
  readonly unbounded?: boolean;
  readonly lastKey?: readonly KeyValue[];
  /**
   * Bounded reads: the largest key when the read was planned (the source's end position). Rows
   * past it are left to what follows in a hybrid source, so none is read by both.
   */
  readonly endKey?: readonly KeyValue[];
  /** The columns the split is ordered by (and `lastKey` holds values of). */
  readonly orderColumns: readonly string[];
}

export function encodeKey(values: readonly unknown[]): KeyValue[] {
  return values.map((v) => {
    if (typeof v === 'bigint') return { $bigint: v.toString() };
    if (v instanceof Date) return { $date: v.toISOString() };
    if (v === undefined) return null;
    return v as KeyValue;
  });
}

export function decodeKey(values: readonly KeyValue[]): unknown[] {
  return values.map((v) => {
    if (v !== null && typeof v === 'object') return '$bigint' in v ? BigInt(v.$bigint) : new Date(v.$date);
    return v;
  });
}
