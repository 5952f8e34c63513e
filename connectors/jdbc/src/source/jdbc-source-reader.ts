import {
  PerSplitFetcherManager,
  type RecordEmitter,
  type SourceOutput,
  SourceReaderBase,
  type SourceReaderContext,
} from '@tributary/core';
import type { Dialect, Row } from '../dialect/dialect.js';
import type { ResolvedJdbcSourceOptions } from './jdbc-source-options.js';
import { encodeKey, type JdbcSplit, type KeyValue } from './jdbc-source-split.js';
import { JdbcSplitReader } from './jdbc-split-reader.js';

/** A split's mutable state: the split and the key of the last row emitted. */
export interface JdbcSplitState {
  readonly split: JdbcSplit;
  lastKey: readonly KeyValue[] | undefined;
}

/** Emits a row (mapped) and records its key as the split's position. */
class JdbcRecordEmitter<T> implements RecordEmitter<Row, T, JdbcSplitState> {
  constructor(private readonly map: (row: Row) => T) {}

  emitRecord(row: Row, output: SourceOutput<T>, state: JdbcSplitState): void {
    output.collect(this.map(row));
    state.lastKey = encodeKey(state.split.orderColumns.map((c) => row[c]));
  }
}

/** One fetch loop and one connection per split (splits are key ranges read in parallel). */
export class JdbcSourceReader<T> extends SourceReaderBase<Row, T, JdbcSplit, JdbcSplitState> {
  constructor(
    dialect: Dialect,
    options: ResolvedJdbcSourceOptions,
    map: (row: Row) => T,
    context: SourceReaderContext,
  ) {
    const manager = new PerSplitFetcherManager<Row, JdbcSplit>(
      () => new JdbcSplitReader(dialect, options, context.metricGroup),
      {},
      context.logger,
    );
    super(manager, new JdbcRecordEmitter<T>(map), context, {});
  }

  protected initializedState(split: JdbcSplit): JdbcSplitState {
    return { split, lastKey: split.lastKey };
  }

  protected toSplitType(_splitId: string, state: JdbcSplitState): JdbcSplit {
    return state.lastKey === undefined ? state.split : { ...state.split, lastKey: state.lastKey };
  }

  protected onSplitFinished(): void {}
}
