import type { Dialect, SqlConnection } from '../dialect/dialect.js';
import type { ResolvedJdbcSourceOptions } from './jdbc-source-options.js';
import { encodeKey, type JdbcSplit, type KeyValue } from './jdbc-source-split.js';
import { fromAxis, partitionKindOf, toAxis } from './partition-bounds.js';

/**
 * Splits of a bounded read: the whole table, or ranges of `partitionColumn` plus one split for
 * rows where it is NULL. Ranges are contiguous and the first and last are open-ended, so every row
 * falls in exactly one split whatever the cut points are; the strategy only decides the balance.
 */
export async function planSplits(
  dialect: Dialect,
  connection: SqlConnection,
  options: ResolvedJdbcSourceOptions,
  orderColumns: readonly string[],
): Promise<JdbcSplit[]> {
  if (options.mode !== 'bounded') {
    return [
      {
        splitId: 'incremental',
        ordinal: 0,
        orderColumns,
        unbounded: true,
        ...(options.startAfter === undefined ? {} : { lastKey: encodeKey(options.startAfter) }),
      },
    ];
  }
  const column = options.partitionColumn;
  if (column === undefined) return [{ splitId: 'all', ordinal: 0, orderColumns }];
  const cuts =
    options.partitionStrategy === 'key-boundaries'
      ? await keyBoundaryCuts(dialect, connection, options, column)
      : await rangeCuts(dialect, connection, options, column);
  const splits: JdbcSplit[] = [];
  if (cuts !== undefined) {
    for (let i = 0; i <= cuts.points.length; i++) {
      splits.push({
        splitId: `range-${i}`,
        ordinal: i,
        orderColumns,
        ...(cuts.valued ? { bounds: 'value' as const } : {}),
        ...(i === 0 ? {} : { lower: cuts.points[i - 1] as KeyValue }),
        ...(i === cuts.points.length ? {} : { upper: cuts.points[i] as KeyValue }),
      });
    }
  }
  splits.push({ splitId: 'nulls', ordinal: splits.length, nulls: true, orderColumns });
  return splits;
}

/** Inner cut points, ascending and distinct: n points make n + 1 ranges. */
interface Cuts {
  readonly points: readonly KeyValue[];
  /** Points are column values (bound as such), not integer text. */
  readonly valued: boolean;
}

function fromOf(dialect: Dialect, options: ResolvedJdbcSourceOptions): string {
  return options.query === undefined ? dialect.quote(options.table as string) : `(${options.query}) trib_q`;
}

/**
 * Equal-width ranges of an integer, date or timestamp column between the bounds (default
 * MIN/MAX). Dates are cut at whole days, timestamps at milliseconds.
 */
async function rangeCuts(
  dialect: Dialect,
  connection: SqlConnection,
  options: ResolvedJdbcSourceOptions,
  column: string,
): Promise<Cuts | undefined> {
  const q = dialect.quote;
  let lower: unknown = options.lowerBound;
  let upper: unknown = options.upperBound;
  let sample: unknown = lower ?? upper;
  if (lower === undefined || upper === undefined) {
    // On a table, one scalar subquery per bound: each is an index lookup where the column is
    // indexed (SQLite scans the whole index for MIN and MAX in one SELECT: ~50 ms per 300k rows).
    // A query source is run once, for both.
    const sql =
      options.query === undefined
        ? `SELECT (SELECT MIN(${q(column)}) FROM ${fromOf(dialect, options)}) AS lo, (SELECT MAX(${q(column)}) FROM ${fromOf(dialect, options)}) AS hi`
        : `SELECT MIN(${q(column)}) AS lo, MAX(${q(column)}) AS hi FROM ${fromOf(dialect, options)}`;
    const [row] = await connection.query(sql);
    lower ??= row?.lo ?? undefined;
    upper ??= row?.hi ?? undefined;
    // The column's own value tells its kind (a bound the user gave may be an ISO text).
    sample = row?.lo ?? row?.hi ?? sample;
  }
  if (lower === undefined || lower === null || upper === undefined || upper === null) return undefined;
  const kind = partitionKindOf(sample, column);
  const lo = toAxis(lower, kind, 'lowerBound');
  const hi = toAxis(upper, kind, 'upperBound');
  const count = BigInt(options.numPartitions);
  const width = hi - lo + 1n;
  const parts = width < count ? (width > 0n ? width : 1n) : count;
  const points: KeyValue[] = [];
  for (let i = 1n; i < parts; i++) points.push(fromAxis(lo + (width * i) / parts, kind));
  return { points, valued: kind.kind !== 'integer' };
}

/**
 * Cut points at the key's quantiles (one NTILE query, the first value of every tile after the
 * first), so each split holds about as many rows however skewed the values are. Works on any
 * ordered column type; values shared by a whole tile collapse into one cut.
 */
async function keyBoundaryCuts(
  dialect: Dialect,
  connection: SqlConnection,
  options: ResolvedJdbcSourceOptions,
  column: string,
): Promise<Cuts> {
  const q = dialect.quote;
  const rows = await connection.query(
    `SELECT MIN(trib_v) AS cut FROM (SELECT ${q(column)} AS trib_v, NTILE(${options.numPartitions}) OVER (ORDER BY ${q(column)}) AS trib_tile FROM ${fromOf(dialect, options)} WHERE ${q(column)} IS NOT NULL) trib_t GROUP BY trib_tile ORDER BY trib_tile`,
  );
  const points: KeyValue[] = [];
  let previous: string | undefined;
  for (const row of rows.slice(1)) {
    const [point] = encodeKey([row.cut]) as [KeyValue];
    const text = JSON.stringify(point);
    if (text !== previous) points.push(point);
    previous = text;
  }
  return { points, valued: true };
}
