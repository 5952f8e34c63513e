/**
 * Test-only child process: a bounded generator → JdbcSink (exactly-once) job with file
 * checkpoints, paced so that a parent can SIGKILL it mid-stream (see jdbc-crash.int.test.ts).
 *
 * Args: <connection JSON> <table> <checkpoint dir> <transaction prefix> <count> <unthrottle file>
 */
import { existsSync } from 'node:fs';
import { createJsonLogger, DataGeneratorSource, Pipeline } from '@tributary/core';
import type { JdbcConnectionOptionsInput } from '../dialect/connection-options.js';
import { JdbcSink } from '../sink/jdbc-sink.js';

const [connectionJson, table, checkpointDir, prefix, countArg, unthrottleFile] = process.argv.slice(2);
if (!connectionJson || !table || !checkpointDir || !prefix || !countArg || !unthrottleFile) {
  process.stderr.write(
    'usage: eos-crash-job <connection> <table> <checkpointDir> <prefix> <count> <unthrottle>\n',
  );
  process.exit(2);
}
const connection = JSON.parse(connectionJson) as JdbcConnectionOptionsInput;
const pause = new Int32Array(new SharedArrayBuffer(4));
let throttled = true;
let seen = 0;
process.stdout.write('started\n');

const result = await Pipeline.from(
  new DataGeneratorSource({
    generator: (i) => ({ id: i, payload: `row-${i}` }),
    count: Number(countArg),
    maxRecordsPerPoll: 100,
  }),
)
  .map((row) => {
    // ~4k rows/s, in short pauses that leave the event loop free for checkpoints and commits.
    if (++seen % 5 === 0 && throttled) {
      if (seen % 250 === 0) {
        process.stdout.write(`progress ${seen}\n`);
        if (existsSync(unthrottleFile)) throttled = false;
      }
      if (throttled) Atomics.wait(pause, 0, 0, 1);
    }
    return row;
  })
  .sinkTo(
    new JdbcSink({
      ...connection,
      table,
      deliveryGuarantee: 'exactly-once',
      transactionIdPrefix: prefix,
      batchSizeRows: 500,
    }),
  )
  .execute(
    { jobName: 'jdbc-crash', parallelism: 2, checkpointing: { intervalMs: 200, directory: checkpointDir } },
    { logger: createJsonLogger({ level: 'warn' }) },
  );
process.stdout.write(`finished restored=${result.restoredFromCheckpointId ?? 'none'}\n`);
