import type { Dialect } from '../dialect/dialect.js';
import type { ResolvedJdbcSourceOptions } from './jdbc-source-options.js';
import { decodeKey, type JdbcSplit, type KeyValue } from './jdbc-source-split.js';

/** The columns a split is ordered (and resumed) by, per mode. */
export function orderColumnsOf(options: ResolvedJdbcSourceOptions, primaryKey: readonly string[]): string[] {
  switch (options.mode) {
    case 'incrementing':
      return [options.incrementingColumn as string];
    case 'timestamp':
      return [options.timestampColumn as string];
    case 'timestamp+incrementing':
      return [options.timestampColumn as string, options.incrementingColumn as string];
    default:
      return [...(options.keyColumns ?? primaryKey)];
  }
}

/** The partition bound as the driver binds it (integer text: bigint where the driver takes it exactly). */
function boundParameter(dialect: Dialect, split: JdbcSplit, bound: KeyValue): unknown {
  if (split.bounds === 'value') return dialect.toParameter(decodeKey([bound])[0], '');
  return dialect.name === 'sqlite' ? BigInt(String(bound)) : String(bound);
}

/**
 * The SELECT of one split: its range, the rows after its last key, and (incremental timestamp
 * modes) the lag guard; ordered by the order columns so the last key read is a resume position.
 */
export function splitQuery(
  dialect: Dialect,
  options: ResolvedJdbcSourceOptions,
  orderColumns: readonly string[],
  split: JdbcSplit,
  now: number,
): { sql: string; params: unknown[] } {
  const q = dialect.quote;
  const params: unknown[] = [];
  const next = (value: unknown) => {
    params.push(value);
    return dialect.placeholder(params.length - 1);
  };
  const conditions: string[] = [];
  const partition = options.partitionColumn === undefined ? undefined : q(options.partitionColumn);
  if (partition !== undefined && split.nulls) conditions.push(`${partition} IS NULL`);
  else if (partition !== undefined && !split.unbounded) conditions.push(`${partition} IS NOT NULL`);
  if (partition !== undefined && split.lower !== undefined)
    conditions.push(`${partition} >= ${next(boundParameter(dialect, split, split.lower))}`);
  if (partition !== undefined && split.upper !== undefined)
    conditions.push(
      `${partition} ${split.upperInclusive ? '<=' : '<'} ${next(boundParameter(dialect, split, split.upper))}`,
    );
  if (split.lastKey !== undefined) {
    const values = decodeKey(split.lastKey).map((v) => dialect.toParameter(v, ''));
    if (orderColumns.length === 1) conditions.push(`${q(orderColumns[0] as string)} > ${next(values[0])}`);
    else conditions.push(`(${orderColumns.map(q).join(', ')}) > (${values.map((v) => next(v)).join(', ')})`);
  }
  if (split.endKey !== undefined) {
    const values = decodeKey(split.endKey).map((v) => dialect.toParameter(v, ''));
    if (orderColumns.length === 1) conditions.push(`${q(orderColumns[0] as string)} <= ${next(values[0])}`);
    else conditions.push(`(${orderColumns.map(q).join(', ')}) <= (${values.map((v) => next(v)).join(', ')})`);
  }
  if (options.mode.startsWith('timestamp') && options.timestampColumn !== undefined) {
    conditions.push(
      `${q(options.timestampColumn)} <= ${next(dialect.toParameter(new Date(now - options.timestampLagMs), ''))}`,
    );
  }
  const columns = options.columns === undefined ? '*' : options.columns.map(q).join(', ');
  const from = options.query === undefined ? q(options.table as string) : `(${options.query}) trib_q`;
  const where = conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
  return {
    sql: `SELECT ${columns} FROM ${from}${where} ORDER BY ${orderColumns.map(q).join(', ')}`,
    params,
  };
}
