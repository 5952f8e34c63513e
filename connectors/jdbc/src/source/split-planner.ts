import { TributaryError } from '@tributary/core';
import type { Dialect, SqlConnection } from '../dialect/dialect.js';
import { JdbcErrorCodes } from '../jdbc-error-codes.js';
import type { ResolvedJdbcSourceOptions } from './jdbc-source-options.js';
import { encodeKey, type JdbcSplit } from './jdbc-source-split.js';

function toBigInt(value: unknown, option: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  throw new TributaryError(
    JdbcErrorCodes.INVALID_TABLE_OPTIONS,
    `${option} must be an integer (partitionColumn must be an integer column), got ${JSON.stringify(String(value))}`,
    { context: { option } },
  );
}

/**
 * Splits of a bounded read: the whole table, or `numPartitions` ranges of `partitionColumn` from
 * the bounds (or MIN/MAX) plus one split for rows where it is NULL, so no row is left out.
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
  const q = dialect.quote;
  const from = options.query === undefined ? q(options.table as string) : `(${options.query}) trib_q`;
  let lower = options.lowerBound;
  let upper = options.upperBound;
  if (lower === undefined || upper === undefined) {
    const [row] = await connection.query(
      `SELECT MIN(${q(column)}) AS lo, MAX(${q(column)}) AS hi FROM ${from}`,
    );
    lower ??= (row?.lo ?? undefined) as typeof lower;
    upper ??= (row?.hi ?? undefined) as typeof upper;
  }
  const splits: JdbcSplit[] = [];
  if (lower !== undefined && lower !== null && upper !== undefined && upper !== null) {
    const lo = toBigInt(lower, 'lowerBound');
    const hi = toBigInt(upper, 'upperBound');
    const count = BigInt(options.numPartitions);
    const width = hi - lo + 1n;
    const parts = width < count ? (width > 0n ? width : 1n) : count;
    for (let i = 0n; i < parts; i++) {
      const start = lo + (width * i) / parts;
      const end = lo + (width * (i + 1n)) / parts;
      const last = i === parts - 1n;
      splits.push({
        splitId: `range-${i}`,
        ordinal: Number(i),
        orderColumns,
        // The first and last ranges are open-ended: rows outside given bounds are still read.
        ...(i === 0n ? {} : { lower: start.toString() }),
        ...(last ? {} : { upper: end.toString() }),
      });
    }
  }
  splits.push({ splitId: 'nulls', ordinal: splits.length, nulls: true, orderColumns });
  return splits;
}
