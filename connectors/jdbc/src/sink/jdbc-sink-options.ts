import { defineOptions } from '@tributary/core';
import { z } from 'zod';
import { jdbcConnectionShape } from '../dialect/connection-options.js';

const identifier = z.string().min(1).max(128);

const sinkSchema = z
  .object({
    ...jdbcConnectionShape,
    table: identifier.describe('Table to write (must exist; checked against the catalog at start).'),
    writeMode: z
      .enum(['insert', 'upsert'])
      .default('insert')
      .describe(
        '`insert`: multi-row INSERT (appends); `upsert`: insert or update by `keyColumns` (`ON CONFLICT … DO UPDATE`, `ON DUPLICATE KEY UPDATE`, SQLite UPSERT). A `changelog` input always upserts.',
      ),
    input: z
      .enum(['rows', 'changelog'])
      .default('rows')
      .describe(
        '`rows`: each record is a row (column → value); `changelog`: records are `{ op, before, after }` (the CDC shape): `c`/`r`/`u` upsert `after`, `d` deletes by the key of `before`.',
      ),
    appendMethod: z
      .enum(['auto', 'insert', 'copy'])
      .default('auto')
      .describe(
        'How `insert` mode appends: `copy`: `COPY … FROM STDIN` (PostgreSQL only), `insert`: multi-row INSERT, `auto`: COPY on PostgreSQL, INSERT elsewhere. A batch COPY rejects is replayed row by row with INSERTs, so `onRowError` applies as usual.',
      ),
    keyColumns: z
      .array(identifier)
      .min(1)
      .optional()
      .describe(
        'Key of upserts, deletes and the in-batch reduction (last write per key wins). Default: the table’s primary key.',
      ),
    createTable: z
      .boolean()
      .default(false)
      .describe(
        'Create the table when it does not exist, before the first batch: one column per field of the batch’s records, typed from the first non-null value (see "Table creation"), `columnTypes` overriding; primary key `keyColumns`.',
      ),
    addColumns: z
      .boolean()
      .default(false)
      .describe(
        'Add a (nullable) column for a record field the table lacks, typed like `createTable` does, instead of failing with TRIB_JDBC_COLUMN_NOT_FOUND.',
      ),
    columnTypes: z
      .record(z.string(), z.string().min(1))
      .optional()
      .describe(
        '`createTable` / `addColumns`: SQL types of columns by name (e.g. `{ "amount": "NUMERIC(12,2)" }`).',
      ),
    batchSizeRows: z
      .number()
      .int()
      .min(1)
      .default(1000)
      .describe('Rows buffered before a flush (after reduction by key).'),
    batchIntervalMs: z
      .number()
      .int()
      .min(0)
      .default(1000)
      .describe(
        'Longest time a buffered row waits before a flush; 0: flush by size and on checkpoints only.',
      ),
    maxRetries: z
      .number()
      .int()
      .min(0)
      .default(3)
      .describe(
        'Retries of a batch after the connection was lost (reconnect, then the same batch again, before any later one).',
      ),
    retryBackoffMs: z
      .number()
      .int()
      .min(0)
      .default(500)
      .describe('Wait before the first retry; doubles per retry.'),
    onRowError: z
      .enum(['fail', 'dead-letter', 'skip'])
      .default('fail')
      .describe(
        'A row that breaks a constraint or a column type: `fail` the job (error names the row’s key), hand it to the `deadLetter` handler, or `skip` it and count it in `numRecordsOutErrors`. The other rows of the batch are written.',
      ),
    deliveryGuarantee: z
      .enum(['at-least-once', 'exactly-once'])
      .default('at-least-once')
      .describe(
        '`at-least-once`: every checkpoint commits what was buffered (retries may repeat a batch; upserts make that idempotent); `exactly-once`: one prepared (XA) transaction per checkpoint and subtask, committed when the checkpoint completes (PostgreSQL, MySQL/MariaDB).',
      ),
    transactionIdPrefix: z
      .string()
      .min(1)
      .max(40)
      .regex(/^[A-Za-z0-9._-]+$/, 'use letters, digits, `.`, `_` and `-`')
      .optional()
      .describe(
        '`exactly-once`: prefix of the prepared transactions’ ids (`<prefix>-<subtask>-<n>`). Default: derived from the job id. Unique per job: recovery rolls back what it finds under it.',
      ),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.dialect === 'sqlite' && value.deliveryGuarantee === 'exactly-once') {
      ctx.addIssue({
        code: 'custom',
        path: ['deliveryGuarantee'],
        message:
          'SQLite has no prepared transactions: use "at-least-once" (with writeMode "upsert" it is idempotent)',
      });
    }
    if (value.addColumns && value.deliveryGuarantee === 'exactly-once') {
      ctx.addIssue({
        code: 'custom',
        path: ['addColumns'],
        message:
          'cannot be combined with "exactly-once": ALTER TABLE would wait for the locks of the open prepared transactions (and MySQL refuses DDL inside XA)',
      });
    }
    if (value.appendMethod === 'copy' && value.dialect !== 'postgres') {
      ctx.addIssue({
        code: 'custom',
        path: ['appendMethod'],
        message: `"copy" is PostgreSQL's COPY; dialect "${value.dialect}" appends with "insert"`,
      });
    }
    if (value.dialect === 'sqlite' && value.filename === undefined) {
      ctx.addIssue({ code: 'custom', path: ['filename'], message: 'is required for dialect "sqlite"' });
    }
  });

/** Options of {@link JdbcSink} (`jdbc.sink.*`). */
export const JdbcSinkOptions = defineOptions('jdbc.sink', sinkSchema);
export type JdbcSinkOptionsInput = z.input<typeof sinkSchema>;
export type ResolvedJdbcSinkOptions = z.output<typeof sinkSchema>;
