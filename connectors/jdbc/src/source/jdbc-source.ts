import {
  type Boundedness,
  jsonSerializer,
  type Source,
  type SourceReader,
  type SourceReaderContext,
  type SplitEnumerator,
  type SplitEnumeratorContext,
  type VersionedSerializer,
} from '@tributary/core';
import type { Dialect, Row } from '../dialect/dialect.js';
import { dialectOf } from '../dialect/dialects.js';
import {
  JdbcSourceOptions,
  type JdbcSourceOptionsInput,
  type ResolvedJdbcSourceOptions,
} from './jdbc-source-options.js';
import { JdbcSourceReader } from './jdbc-source-reader.js';
import type { JdbcSplit } from './jdbc-source-split.js';
import { type JdbcEnumeratorState, JdbcSplitEnumerator } from './jdbc-split-enumerator.js';

/**
 * Reads a table or a query of PostgreSQL, MySQL/MariaDB or SQLite: a bounded parallel scan
 * split by an integer column's range, or incremental polling by an incrementing and/or a
 * timestamp column. Each split streams in key order and checkpoints the last key it read.
 *
 * ```ts
 * const source = new JdbcSource({
 *   dialect: 'postgres', host, user, password, database: 'shop',
 *   table: 'orders', partitionColumn: 'id', numPartitions: 8,
 * });
 * ```
 */
export class JdbcSource<T = Row> implements Source<T, JdbcSplit, JdbcEnumeratorState> {
  readonly options: ResolvedJdbcSourceOptions;
  readonly boundedness: Boundedness;
  readonly splitSerializer: VersionedSerializer<JdbcSplit> = jsonSerializer<JdbcSplit>({ name: 'JdbcSplit' });
  readonly enumeratorStateSerializer: VersionedSerializer<JdbcEnumeratorState> =
    jsonSerializer<JdbcEnumeratorState>({
      name: 'JdbcEnumeratorState',
    });
  private readonly dialect: Dialect;

  /** `map` turns a row into the record emitted (default: the row itself). */
  constructor(
    options: JdbcSourceOptionsInput,
    private readonly map: (row: Row) => T = (row) => row as T,
  ) {
    this.options = JdbcSourceOptions.parse(options);
    this.dialect = dialectOf(this.options.dialect);
    this.boundedness = this.options.mode === 'bounded' ? 'bounded' : 'unbounded';
  }

  createEnumerator(ctx: SplitEnumeratorContext<JdbcSplit>): SplitEnumerator<JdbcSplit, JdbcEnumeratorState> {
    return new JdbcSplitEnumerator(this.dialect, this.options, ctx);
  }

  restoreEnumerator(
    ctx: SplitEnumeratorContext<JdbcSplit>,
    state: JdbcEnumeratorState,
  ): SplitEnumerator<JdbcSplit, JdbcEnumeratorState> {
    return new JdbcSplitEnumerator(this.dialect, this.options, ctx, state);
  }

  createReader(ctx: SourceReaderContext): SourceReader<T, JdbcSplit> {
    return new JdbcSourceReader<T>(this.dialect, this.options, this.map, ctx);
  }
}
