import { defineOptions } from '@tributary/core';
import { z } from 'zod';
import { jdbcConnectionShape, jdbcReadShape } from '../dialect/connection-options.js';

const identifier = z.string().min(1).max(128);
const boundValue = z.union([z.number().int(), z.bigint(), z.string().min(1), z.date()]);

const sourceSchema = z
  .object({
    ...jdbcConnectionShape,
    ...jdbcReadShape,
    table: identifier
      .optional()
      .describe('Table to read (or give `query`). Checked against the catalog at start.'),
    query: z
      .string()
      .min(1)
      .optional()
      .describe(
        'A SELECT to read instead of a table; the source wraps it (`SELECT * FROM (<query>) q WHERE …`) to add ranges, resume position and order. Needs `keyColumns`.',
      ),
    columns: z.array(identifier).min(1).optional().describe('Columns to read (default: all).'),
    keyColumns: z
      .array(identifier)
      .min(1)
      .optional()
      .describe(
        'A unique key that orders each split: the checkpointed position is the last key read, so a restore resumes after it. Default: the table’s primary key.',
      ),
    partitionColumn: identifier
      .optional()
      .describe(
        'Column whose values are split into `numPartitions` parallel splits (bounded mode): an integer, date or timestamp column for `range`, any ordered column for `key-boundaries`.',
      ),
    partitionStrategy: z
      .enum(['range', 'key-boundaries'])
      .default('range')
      .describe(
        '`range`: equal-width ranges between the bounds (dates cut at days, timestamps at milliseconds); `key-boundaries`: cut points at the column’s quantiles from one `NTILE` query, so skewed values still give splits of about equal row counts (costs a sort of the column at start).',
      ),
    lowerBound: boundValue
      .optional()
      .describe(
        '`range`: lowest `partitionColumn` value (integer, or date/timestamp text or Date); default: `MIN(partitionColumn)`.',
      ),
    upperBound: boundValue
      .optional()
      .describe('`range`: highest `partitionColumn` value; default: `MAX(partitionColumn)`.'),
    numPartitions: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(1)
      .describe(
        'Splits of the `partitionColumn` range (rows where it is NULL form one more split). Readers take them in turns.',
      ),
    fetchSize: z
      .number()
      .int()
      .min(1)
      .default(1000)
      .describe('Rows fetched per round trip (PostgreSQL cursor FETCH, mysql2 stream, SQLite iterator).'),
    mode: z
      .enum(['bounded', 'incrementing', 'timestamp', 'timestamp+incrementing'])
      .default('bounded')
      .describe(
        '`bounded`: read the table once and end. The others poll forever (Kafka Connect JDBC’s modes): rows with a larger `incrementingColumn`, a later `timestampColumn`, or both (timestamp, then incrementing id).',
      ),
    incrementingColumn: identifier
      .optional()
      .describe('Strictly increasing column (auto-increment id) of the `incrementing` modes.'),
    timestampColumn: identifier
      .optional()
      .describe('Last-modified timestamp column of the `timestamp` modes (store it in UTC).'),
    timestampLagMs: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe(
        'Lag guard: rows whose timestamp is newer than now − lag are left for a later poll, so a row committed late with an older timestamp is not skipped.',
      ),
    pollIntervalMs: z
      .number()
      .int()
      .min(10)
      .default(1000)
      .describe('Pause between polls of the incremental modes.'),
    startAfter: z
      .array(z.unknown())
      .optional()
      .describe(
        'Incremental modes: start after this position (values of the ordering columns), e.g. the end position of a bounded source before it in a hybrid source.',
      ),
  })
  .strict()
  .superRefine((value, ctx) => {
    if ((value.table === undefined) === (value.query === undefined))
      ctx.addIssue({ code: 'custom', path: ['table'], message: 'give exactly one of table and query' });
    if (value.query !== undefined && value.keyColumns === undefined && value.mode === 'bounded')
      ctx.addIssue({
        code: 'custom',
        path: ['keyColumns'],
        message: 'is required with query (the order of a resumable read)',
      });
    if (value.mode.includes('incrementing') && value.incrementingColumn === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['incrementingColumn'],
        message: `is required with mode "${value.mode}"`,
      });
    if (value.mode.includes('timestamp') && value.timestampColumn === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['timestampColumn'],
        message: `is required with mode "${value.mode}"`,
      });
    if (value.dialect === 'sqlite' && value.filename === undefined)
      ctx.addIssue({ code: 'custom', path: ['filename'], message: 'is required for dialect "sqlite"' });
  });

/** Options of {@link JdbcSource} (`jdbc.source.*`). */
export const JdbcSourceOptions = defineOptions('jdbc.source', sourceSchema);
export type JdbcSourceOptionsInput = z.input<typeof sourceSchema>;
export type ResolvedJdbcSourceOptions = z.output<typeof sourceSchema>;
