import { type SplitEnumerator, type SplitEnumeratorContext, TributaryError } from '@tributary/core';
import { JdbcCatalog } from '../catalog/jdbc-catalog.js';
import { connectionOf } from '../dialect/connection-options.js';
import type { Dialect, SqlConnection } from '../dialect/dialect.js';
import { openConnection, statementError } from '../dialect/jdbc-errors.js';
import { JdbcErrorCodes } from '../jdbc-error-codes.js';
import type { ResolvedJdbcSourceOptions } from './jdbc-source-options.js';
import { encodeKey, type JdbcSplit, type KeyValue } from './jdbc-source-split.js';
import { planSplits } from './split-planner.js';
import { orderColumnsOf } from './split-query.js';

/** The enumerator's checkpoint: splits not handed out yet, once planned; the end position. */
export interface JdbcEnumeratorState {
  readonly unassigned: readonly JdbcSplit[] | undefined;
  readonly endPosition: readonly KeyValue[] | undefined;
}

/**
 * Checks the options against the catalog and plans the splits at start (once: a restored job
 * keeps its plan), then hands every reader the splits it owns (`ordinal % parallelism`) and
 * `noMoreSplits`. Splits taken back from a failed reader wait until that reader registers again.
 */
export class JdbcSplitEnumerator implements SplitEnumerator<JdbcSplit, JdbcEnumeratorState> {
  private unassigned: JdbcSplit[] | undefined;
  private endKey: readonly KeyValue[] | undefined;
  private readonly waiting = new Set<number>();

  constructor(
    private readonly dialect: Dialect,
    private readonly options: ResolvedJdbcSourceOptions,
    private readonly ctx: SplitEnumeratorContext<JdbcSplit>,
    restored?: JdbcEnumeratorState,
  ) {
    this.unassigned = restored?.unassigned === undefined ? undefined : [...restored.unassigned];
    this.endKey = restored?.endPosition;
    // Absent until the splits are planned (as the other connectors report it).
    ctx.metricGroup.setUnassignedSplitsGauge(() => this.unassigned?.length);
  }

  async start(): Promise<void> {
    if (this.unassigned !== undefined) return;
    const connection = await openConnection(this.dialect, connectionOf(this.options));
    try {
      const orderColumns = await this.validate(connection);
      if (this.options.mode === 'bounded') {
        // The end position first: every split stops at it, so rows added while the read runs are
        // left to the source that follows it in a hybrid source (never read twice).
        const endKey = await this.lastKey(connection, orderColumns);
        this.endKey = endKey;
        const splits = await planSplits(this.dialect, connection, this.options, orderColumns);
        this.unassigned = endKey === undefined ? [] : splits.map((split) => ({ ...split, endKey }));
      } else {
        this.unassigned = await planSplits(this.dialect, connection, this.options, orderColumns);
      }
    } catch (error) {
      throw statementError(this.dialect, error, { operation: 'plan splits', table: this.options.table });
    } finally {
      await connection.close();
    }
    for (const subtask of this.waiting) this.assignOwned(subtask);
    this.waiting.clear();
  }

  addReader(subtaskId: number): void {
    this.assignOwned(subtaskId);
  }

  handleSplitRequest(subtaskId: number): void {
    this.assignOwned(subtaskId);
  }

  addSplitsBack(splits: readonly JdbcSplit[]): void {
    this.unassigned = [...(this.unassigned ?? []), ...splits];
  }

  snapshotState(): JdbcEnumeratorState {
    return {
      unassigned: this.unassigned === undefined ? undefined : [...this.unassigned],
      endPosition: this.endKey,
    };
  }

  /**
   * Where a bounded read ended: the largest key (values of the order columns, checkpoint-encoded)
   * when the splits were planned. An incremental JdbcSource takes it as `startAfter` in a
   * HybridSource.
   */
  endPosition(): readonly KeyValue[] | undefined {
    return this.endKey;
  }

  async close(): Promise<void> {}

  private assignOwned(subtaskId: number): void {
    if (this.unassigned === undefined) {
      this.waiting.add(subtaskId);
      return;
    }
    const parallelism = Math.max(1, this.ctx.currentParallelism);
    const mine = this.unassigned.filter((s) => s.ordinal % parallelism === subtaskId);
    this.unassigned = this.unassigned.filter((s) => s.ordinal % parallelism !== subtaskId);
    if (mine.length > 0) this.ctx.assignSplits(new Map([[subtaskId, mine]]));
    this.ctx.signalNoMoreSplits(subtaskId);
  }

  /** Every named column must exist; a bounded read needs a key. Returns the order columns. */
  private async validate(connection: SqlConnection): Promise<string[]> {
    const { options } = this;
    if (options.table === undefined) return orderColumnsOf(options, []);
    const table = await JdbcCatalog.over(connection).describeTable(options.table);
    const named: [string, readonly string[] | string | undefined][] = [
      ['columns', options.columns],
      ['keyColumns', options.keyColumns],
      ['partitionColumn', options.partitionColumn],
      ['incrementingColumn', options.incrementingColumn],
      ['timestampColumn', options.timestampColumn],
    ];
    for (const [option, value] of named) {
      if (value !== undefined)
        JdbcCatalog.requireColumns(table, typeof value === 'string' ? [value] : value, option);
    }
    const order = orderColumnsOf(options, table.primaryKey);
    if (order.length === 0) {
      throw new TributaryError(
        JdbcErrorCodes.INVALID_TABLE_OPTIONS,
        `Table '${table.name}' has no primary key: set keyColumns (a unique key) so a restore can resume where a split stopped`,
        { context: { table: table.name, option: 'keyColumns' } },
      );
    }
    if (options.columns !== undefined) {
      const missing = order.filter((c) => !options.columns?.includes(c));
      if (missing.length > 0)
        JdbcCatalog.requireColumns({ ...table, columns: [] }, missing, 'columns (must include the key)');
    }
    return order;
  }

  private async lastKey(
    connection: SqlConnection,
    order: readonly string[],
  ): Promise<KeyValue[] | undefined> {
    const q = this.dialect.quote;
    const from =
      this.options.query === undefined ? q(this.options.table as string) : `(${this.options.query}) trib_q`;
    const rows = await connection.query(
      `SELECT ${order.map(q).join(', ')} FROM ${from} ORDER BY ${order.map((c) => `${q(c)} DESC`).join(', ')} LIMIT 1`,
    );
    const row = rows[0];
    return row === undefined ? undefined : encodeKey(order.map((c) => row[c]));
  }
}
