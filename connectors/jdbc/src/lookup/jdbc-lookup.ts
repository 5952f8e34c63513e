import { defineOptions, TributaryError } from '@tributary/core';
import { z } from 'zod';
import { JdbcCatalog } from '../catalog/jdbc-catalog.js';
import { connectionOf, jdbcConnectionShape, jdbcReadShape } from '../dialect/connection-options.js';
import type { Row, SqlConnection } from '../dialect/dialect.js';
import { dialectOf } from '../dialect/dialects.js';
import { openConnection, statementError } from '../dialect/jdbc-errors.js';
import { JdbcErrorCodes } from '../jdbc-error-codes.js';
import { keyText } from '../sink/row-ops.js';

const lookupSchema = z
  .object({
    ...jdbcConnectionShape,
    ...jdbcReadShape,
    table: z.string().min(1).describe('Table to look rows up in (checked against the catalog on first use).'),
    keys: z
      .array(z.string().min(1))
      .min(1)
      .describe('Columns the lookup key gives values for (`WHERE k1 = ? AND …`).'),
    columns: z.array(z.string().min(1)).min(1).optional().describe('Columns returned (default: all).'),
    cache: z
      .object({
        maxRows: z.number().int().min(1).describe('Keys kept (least recently used evicted first).'),
        ttlMs: z.number().int().min(1).describe('How long a cached answer (empty ones too) stays valid.'),
      })
      .strict()
      .optional()
      .describe('Cache of answers by key; none by default (every call queries).'),
    maxRetries: z
      .number()
      .int()
      .min(0)
      .default(2)
      .describe('Retries of a lookup after the connection was lost.'),
  })
  .strict();

/** Options of {@link jdbcLookup} (`jdbc.lookup.*`). */
export const JdbcLookupOptions = defineOptions('jdbc.lookup', lookupSchema);
export type JdbcLookupOptionsInput = z.input<typeof lookupSchema>;

/** Looks rows up by key; `close()` releases the connection. */
export interface JdbcLookup {
  /** Rows whose key columns equal `key` (an object with the key columns, or their values in order). */
  (key: Row | readonly unknown[]): Promise<Row[]>;
  close(): Promise<void>;
  /** Cache hits and misses so far. */
  readonly stats: { hits: number; misses: number };
}

/**
 * A lookup function for enrichment (Flink's JDBC lookup source), usable from any async code or
 * an async operator: `const customer = (await lookup({ id: order.customerId }))[0]`.
 */
export function jdbcLookup(input: JdbcLookupOptionsInput): JdbcLookup {
  const options = JdbcLookupOptions.parse(input);
  const dialect = dialectOf(options.dialect);
  const cache = new Map<string, { rows: Row[]; expires: number }>();
  const stats = { hits: 0, misses: 0 };
  let connection: Promise<SqlConnection> | undefined;
  let sql: string | undefined;

  const connect = async (): Promise<SqlConnection> => {
    const opened = await openConnection(dialect, connectionOf(options));
    try {
      const table = await JdbcCatalog.over(opened).describeTable(options.table);
      JdbcCatalog.requireColumns(table, options.keys, 'keys');
      if (options.columns !== undefined) JdbcCatalog.requireColumns(table, options.columns, 'columns');
    } catch (error) {
      await opened.close();
      throw error;
    }
    const q = dialect.quote;
    const columns = options.columns === undefined ? '*' : options.columns.map(q).join(', ');
    sql = `SELECT ${columns} FROM ${q(options.table)} WHERE ${options.keys.map((k, i) => `${q(k)} = ${dialect.placeholder(i)}`).join(' AND ')}`;
    return opened;
  };

  const query = async (values: unknown[]): Promise<Row[]> => {
    for (let attempt = 0; ; attempt++) {
      connection ??= connect();
      let current: SqlConnection;
      try {
        current = await connection;
      } catch (error) {
        connection = undefined;
        throw error;
      }
      try {
        return await current.query(
          sql as string,
          values.map((v) => dialect.toParameter(v, '')),
        );
      } catch (error) {
        const typed = statementError(dialect, error, { table: options.table, operation: 'lookup' });
        if (typed.code !== JdbcErrorCodes.CONNECTION_FAILED || attempt >= options.maxRetries) throw typed;
        connection = undefined;
        await current.close();
      }
    }
  };

  const lookup = async (key: Row | readonly unknown[]): Promise<Row[]> => {
    const values = Array.isArray(key) ? [...key] : options.keys.map((k) => (key as Row)[k]);
    if (values.length !== options.keys.length || values.some((v) => v === undefined)) {
      throw new TributaryError(
        JdbcErrorCodes.INVALID_TABLE_OPTIONS,
        `A lookup key needs a value for each of ${options.keys.join(', ')}`,
        { context: { table: options.table, keys: options.keys } },
      );
    }
    if (options.cache === undefined) return query(values);
    const text = keyText(Object.fromEntries(options.keys.map((k, i) => [k, values[i]])), options.keys);
    const now = Date.now();
    const hit = cache.get(text);
    if (hit !== undefined && hit.expires > now) {
      // Re-inserted: Map order is the LRU order.
      cache.delete(text);
      cache.set(text, hit);
      stats.hits++;
      return hit.rows;
    }
    stats.misses++;
    const rows = await query(values);
    cache.delete(text);
    cache.set(text, { rows, expires: now + options.cache.ttlMs });
    while (cache.size > options.cache.maxRows) cache.delete(cache.keys().next().value as string);
    return rows;
  };

  return Object.assign(lookup, {
    stats,
    async close() {
      const current = connection;
      connection = undefined;
      cache.clear();
      await (await current?.catch(() => undefined))?.close();
    },
  });
}
