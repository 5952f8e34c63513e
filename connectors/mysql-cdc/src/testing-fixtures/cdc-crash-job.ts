/**
 * Test-only child process of mysql-cdc-crash.int.test.ts: a MariaDB table → `MySqlCdcSource` →
 * `JdbcSink` (PostgreSQL, changelog, exactly-once) job with file checkpoints, SIGKILLed and
 * restarted by the parent. Snapshot rows are paced (about `snapshotRowsPerSecond`) so the
 * snapshot spans several runs; binlog rows are not. Prints `rows snapshot` / `rows binlog` at a
 * run's first record of each kind, so the parent knows which phase a kill hit, and
 * `rows binlog <n>` every 100 binlog rows; stops with a
 * savepoint and exits 0 once `stopFile` exists.
 *
 * Usage: cdc-crash-job.ts '<CdcCrashJobSpec as JSON>'
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { JdbcSink, type JdbcSinkOptionsInput } from '@tributary/connector-jdbc';
import { type ChangeRecord, createJsonLogger, Pipeline, sleep } from '@tributary/core';
import { MySqlCdcSource } from '../source/mysql-cdc-source.js';
import type { MySqlCdcSourceOptionsInput } from '../source/mysql-cdc-source-options.js';

/** What the parent passes: source and sink options, checkpoint directory, control file. */
export interface CdcCrashJobSpec {
  readonly source: MySqlCdcSourceOptionsInput;
  /** Connection and table of the PostgreSQL sink (the job adds changelog + exactly-once). */
  readonly sink: JdbcSinkOptionsInput;
  readonly transactionIdPrefix: string;
  readonly checkpointDir: string;
  readonly stopFile: string;
  readonly snapshotRowsPerSecond: number;
}

const [raw] = process.argv.slice(2);
if (raw === undefined) {
  process.stderr.write("usage: cdc-crash-job.ts '<spec json>'\n");
  process.exit(2);
}
const spec = JSON.parse(raw) as CdcCrashJobSpec;
const pause = new Int32Array(new SharedArrayBuffer(4));
const PACE_EVERY = 10;
const seen = new Set<string>();
let snapshotRows = 0;
let binlogRows = 0;
const BINLOG_PROGRESS_EVERY = 100;

const client = Pipeline.from(new MySqlCdcSource({ ...spec.source, maxRecordsPerPoll: 50 }))
  .map((change) => {
    const kind = change.op === 'r' ? 'snapshot' : 'binlog';
    if (!seen.has(kind)) {
      seen.add(kind);
      process.stdout.write(`rows ${kind}\n`);
    }
    // Progress of the binlog phase: the parent kills mid-stream on one of these.
    if (kind === 'binlog' && ++binlogRows % BINLOG_PROGRESS_EVERY === 0)
      process.stdout.write(`rows binlog ${binlogRows}\n`);
    // Short blocking pauses (≤ 50 rows per poll): checkpoints and commits still run between them.
    if (kind === 'snapshot' && ++snapshotRows % PACE_EVERY === 0)
      Atomics.wait(pause, 0, 0, (1000 * PACE_EVERY) / spec.snapshotRowsPerSecond);
    return change;
  })
  .sinkTo(
    new JdbcSink<ChangeRecord>({
      ...spec.sink,
      input: 'changelog',
      deliveryGuarantee: 'exactly-once',
      transactionIdPrefix: spec.transactionIdPrefix,
      batchIntervalMs: 50,
    }),
  )
  .start(
    {
      jobName: 'cdc-crash',
      parallelism: 2,
      checkpointing: { intervalMs: 200, directory: spec.checkpointDir },
    },
    { logger: createJsonLogger({ level: 'warn' }) },
  );

let ended = false;
void client.result.then(
  () => {
    ended = true;
  },
  () => {
    ended = true;
  },
);
while (!existsSync(spec.stopFile)) {
  if (ended) {
    // An unbounded job must not end on its own; a failure rejects with its cause.
    const result = await client.result;
    process.stderr.write(`the CDC job ended by itself with status ${result.status}\n`);
    process.exit(3);
  }
  await sleep(50);
}
await client.stopWithSavepoint({ directory: join(spec.checkpointDir, 'final-savepoint') });
const result = await client.result;
process.stdout.write(`finished ${result.status} restored=${result.restoredFromCheckpointId ?? 'none'}\n`);
