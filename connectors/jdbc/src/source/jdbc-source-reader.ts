import {
  type BatchRecordEmitter,
  PerSplitFetcherManager,
  type SourceOutput,
  SourceReaderBase,
  type SourceReaderContext,
} from '@tributary/core';
import type { Dialect, Row } from '../dialect/dialect.js';
import type { ResolvedJdbcSourceOptions } from './jdbc-source-options.js';
import { encodeKey, type JdbcSplit } from './jdbc-source-split.js';
import { JdbcSplitReader } from './jdbc-split-reader.js';

/**
 * A split's mutable state: the split and the key values of the last row emitted. The values are
 * copied into one array per split, refilled for every row, and encoded only when a checkpoint
 * asks (`toSplitType`): encoding per row (arrays, a `{ $bigint }` object and a decimal string
 * for every BIGINT key) was a large share of a scan's cost.
 */
export interface JdbcSplitState {
  readonly split: JdbcSplit;
  readonly lastValues: unknown[];
  /** Whether `lastValues` holds a row's key (else the split's own `lastKey` stands). */
  emitted: boolean;
}

/**
 * Emits a fetched chunk of rows (mapped) in the ranges the reader asks for, and records the key
 * of a range's last row as the split's position: one key copy per range, not per row.
 */
class JdbcRecordEmitter<T> implements BatchRecordEmitter<Row[], T, JdbcSplitState> {
  constructor(private readonly map: (row: Row) => T) {}

  recordCount(chunk: Row[]): number {
    return chunk.length;
  }

  emitRecord(chunk: Row[], output: SourceOutput<T>, state: JdbcSplitState): void {
    this.emitRecords(chunk, 0, chunk.length, output, state);
  }

  emitRecords(chunk: Row[], from: number, to: number, output: SourceOutput<T>, state: JdbcSplitState): void {
    if (to <= from) return;
    // Read before the map runs: a map may change the row.
    const last = chunk[to - 1] as Row;
    const columns = state.split.orderColumns;
    const values = new Array<unknown>(columns.length);
    for (let i = 0; i < columns.length; i++) values[i] = last[columns[i] as string];
    const map = this.map;
    for (let i = from; i < to; i++) output.collect(map(chunk[i] as Row));
    // Moved only after every row went out: a failed range leaves the position where it was.
    for (let i = 0; i < values.length; i++) state.lastValues[i] = values[i];
    state.emitted = true;
  }
}

/** One fetch loop and one connection per split (splits are key ranges read in parallel). */
export class JdbcSourceReader<T> extends SourceReaderBase<Row[], T, JdbcSplit, JdbcSplitState> {
  constructor(
    dialect: Dialect,
    options: ResolvedJdbcSourceOptions,
    map: (row: Row) => T,
    context: SourceReaderContext,
  ) {
    const manager = new PerSplitFetcherManager<Row[], JdbcSplit>(
      () => new JdbcSplitReader(dialect, options, context.metricGroup),
      {},
      context.logger,
    );
    super(manager, new JdbcRecordEmitter<T>(map), context, {});
  }

  protected initializedState(split: JdbcSplit): JdbcSplitState {
    return { split, lastValues: new Array<unknown>(split.orderColumns.length), emitted: false };
  }

  protected toSplitType(_splitId: string, state: JdbcSplitState): JdbcSplit {
    return state.emitted ? { ...state.split, lastKey: encodeKey(state.lastValues) } : state.split;
  }

  protected onSplitFinished(): void {}
}
