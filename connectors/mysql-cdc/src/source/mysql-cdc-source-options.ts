import { defineOptions, sourceReaderBaseOptionsShape } from '@tributary/core';
import { z } from 'zod';

const position = z.object({ file: z.string().min(1), pos: z.number().int().min(4) }).strict();

const sourceSchema = z
  .object({
    ...sourceReaderBaseOptionsShape,
    host: z.string().min(1).default('127.0.0.1').describe('MySQL/MariaDB host.'),
    port: z.number().int().min(1).max(65_535).default(3306).describe('Server port.'),
    user: z
      .string()
      .min(1)
      .describe('User with REPLICATION SLAVE, REPLICATION CLIENT (BINLOG MONITOR) and SELECT.'),
    password: z.string().optional().describe('Password (never logged).'),
    tables: z
      .array(z.string().min(1))
      .min(1)
      .describe(
        'Tables to capture, as regular expressions matched against the whole `db.table` (e.g. `shop\\.orders`, `shop\\..*`).',
      ),
    excludeTables: z
      .array(z.string().min(1))
      .default([])
      .describe('Regular expressions of `db.table` names left out even if `tables` matches them.'),
    startupMode: z
      .enum(['initial', 'snapshot-only', 'earliest', 'latest', 'specific-offset', 'timestamp'])
      .default('initial')
      .describe(
        '`initial`: snapshot, then the binlog; `snapshot-only`: snapshot and end (bounded); `earliest`/`latest`: the binlog from its oldest file / its end; `specific-offset`: from `startupOffset`; `timestamp`: from the first transaction at or after `startupTimestampMs`.',
      ),
    startupOffset: position
      .optional()
      .describe('`specific-offset` mode: binlog `{ file, pos }` of a transaction boundary.'),
    startupTimestampMs: z.number().int().min(0).optional().describe('`timestamp` mode: epoch milliseconds.'),
    chunkSize: z.number().int().min(1).default(8000).describe('Rows per snapshot chunk (split).'),
    chunkKeyColumns: z
      .record(z.string(), z.string().min(1))
      .default({})
      .describe(
        'Chunk key per table (`db.table` → column) for tables without a primary key (a unique NOT NULL column) or to override the first primary-key column.',
      ),
    serverIdStart: z
      .number()
      .int()
      .min(1)
      .max(4_294_967_295 - 1024)
      .default(5400)
      .describe(
        'First server id of the readers: subtask i uses `serverIdStart + i`. Every binlog reader of a server needs a unique id; keep the range clear of real replicas.',
      ),
    serverTimeZone: z
      .string()
      .regex(/^[+-]\d\d:\d\d$/)
      .default('+00:00')
      .describe(
        'Time zone TIMESTAMP columns are rendered in (`+HH:MM`); the snapshot session uses the same.',
      ),
    onPurged: z
      .enum(['fail', 're-snapshot'])
      .default('fail')
      .describe(
        '`fail`: a saved binlog position the server purged fails with TRIB_CDC_BINLOG_PURGED. `re-snapshot`: start over with a new snapshot (downstream must accept `r` records again).',
      ),
    binlogBatchSize: z
      .number()
      .int()
      .min(1)
      .default(2048)
      .describe('Row changes handed over per fetch of the binlog split.'),
    binlogQueueLimit: z
      .number()
      .int()
      .min(64)
      .default(50_000)
      .describe(
        'Row changes buffered ahead of the reader before the binlog connection is paused (its socket stops being read, so the server waits); reading resumes when half of them are drained.',
      ),
    heartbeatIntervalMs: z
      .number()
      .int()
      .min(0)
      .default(30_000)
      .describe(
        'The server sends a heartbeat after this long without binlog events (`@master_heartbeat_period`); the saved position moves to it, so it keeps up with the binlog even when nothing is written. 0: no heartbeats (commits of any table still move the position).',
      ),
    includeSchemaChanges: z
      .boolean()
      .default(false)
      .describe(
        'Emit a `SchemaChangeEvent` (`kind: "schema-change"`, the DDL and the changed tables) for each CREATE/ALTER/DROP/RENAME/TRUNCATE of a captured table, in binlog order among the row changes. Type the source as `MySqlCdcSource<CdcRecord>`.',
      ),
    unknownDdl: z
      .enum(['fail', 'skip'])
      .default('fail')
      .describe(
        '`fail`: a binlog statement the DDL tracker cannot read, run in a database captured tables may be in, fails the job with TRIB_CDC_UNSUPPORTED_DDL (naming the statement). `skip`: ignore it (only when it is known not to change a captured table).',
      ),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.startupMode === 'specific-offset' && value.startupOffset === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['startupOffset'],
        message: 'is required with startupMode "specific-offset"',
      });
    if (value.startupMode === 'timestamp' && value.startupTimestampMs === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['startupTimestampMs'],
        message: 'is required with startupMode "timestamp"',
      });
    for (const [i, pattern] of [...value.tables, ...value.excludeTables].entries()) {
      try {
        new RegExp(pattern);
      } catch {
        ctx.addIssue({ code: 'custom', path: ['tables', i], message: 'is not a valid regular expression' });
      }
    }
  });

/** Options of {@link MySqlCdcSource} (`mysql-cdc.source.*`). */
export const MySqlCdcSourceOptions = defineOptions('mysql-cdc.source', sourceSchema);
export type MySqlCdcSourceOptionsInput = z.input<typeof sourceSchema>;
export type ResolvedMySqlCdcSourceOptions = z.output<typeof sourceSchema>;

/** True when `db.table` is captured by the include/exclude patterns. */
export function tableMatcher(options: Pick<ResolvedMySqlCdcSourceOptions, 'tables' | 'excludeTables'>) {
  const include = options.tables.map((p) => new RegExp(`^(?:${p})$`));
  const exclude = options.excludeTables.map((p) => new RegExp(`^(?:${p})$`));
  return (db: string, table: string): boolean => {
    const name = `${db}.${table}`;
    return include.some((r) => r.test(name)) && !exclude.some((r) => r.test(name));
  };
}

/**
 * True for databases an include pattern may capture: the pattern's part before its first `\\.`
 * (the db/table separator) must match the name; a pattern without one matches every database.
 */
export function databaseMatcher(options: Pick<ResolvedMySqlCdcSourceOptions, 'tables'>) {
  const parts = options.tables.map((p) => {
    const at = p.indexOf('\\.');
    return at < 0 ? undefined : new RegExp(`^(?:${p.slice(0, at)})$`);
  });
  return (db: string): boolean => parts.some((r) => r === undefined || r.test(db));
}
