/**
 * Test-only child process: an unbounded Kinesis → exactly-once store job (file checkpoints) for
 * the resharding test. Every record is stamped at emission with this run's start time and an
 * emission counter, so the parent can order emissions across readers and runs.
 *
 * Args: <endpoint> <region> <stream> <checkpoint dir> <store dir> <stop file>. Credentials come
 * from KINESIS_TEST_ACCESS_KEY / KINESIS_TEST_SECRET_KEY. The job runs until the stop file
 * exists, then cancels itself and exits 0.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createJsonLogger, Pipeline, TwoPhaseCommitTestSink } from '@tributary/core';
import { KinesisSource } from '../source/kinesis-source.js';

/** What the store holds per record. */
export interface StampedKeyRecord {
  readonly key: string;
  readonly seq: number;
  readonly shard: string;
  /** Start time of the run that emitted it, then the emission counter within that run. */
  readonly run: number;
  readonly n: number;
}

const [endpoint, region, stream, checkpointDir, storeDir, stopFile] = process.argv.slice(2);
if (!endpoint || !region || !stream || !checkpointDir || !storeDir || !stopFile) {
  process.stderr.write(
    'usage: resharding-job <endpoint> <region> <stream> <checkpointDir> <storeDir> <stopFile>\n',
  );
  process.exit(2);
}
const completed = existsSync(checkpointDir)
  ? readdirSync(checkpointDir).filter(
      (d) => /^chk-\d+$/.test(d) && existsSync(join(checkpointDir, d, '_metadata')),
    )
  : [];
process.stdout.write(`started checkpoints=${completed.length}\n`);

const run = Date.now();
let n = 0;
const decoder = new TextDecoder();
const client = Pipeline.from(
  new KinesisSource<StampedKeyRecord>(
    {
      endpoint,
      region,
      credentials: {
        accessKeyId: process.env.KINESIS_TEST_ACCESS_KEY ?? '',
        secretAccessKey: process.env.KINESIS_TEST_SECRET_KEY ?? '',
      },
      streamName: stream,
      startingPosition: 'trim-horizon',
      shardDiscoveryIntervalMs: 500,
      idleIntervalMs: 200,
      getRecordsMaxRecords: 50,
      maxRecordsPerPoll: 20,
    },
    {
      deserialize: (record) => {
        const { key, seq } = JSON.parse(decoder.decode(record.data)) as { key: string; seq: number };
        // Progress lines let the parent kill at a chosen point of the stream.
        if (++n % 100 === 0) process.stdout.write(`progress ${n}\n`);
        return { key, seq, shard: record.shardId, run, n };
      },
    },
  ),
)
  .sinkTo(new TwoPhaseCommitTestSink<StampedKeyRecord>({ directory: storeDir }))
  .start(
    {
      jobName: 'kinesis-resharding',
      parallelism: 2,
      checkpointing: { intervalMs: 200, directory: checkpointDir },
    },
    { logger: createJsonLogger({ level: 'warn' }) },
  );

const timer = setInterval(() => {
  if (!existsSync(stopFile)) return;
  clearInterval(timer);
  void client.cancel();
}, 100);
const result = await client.result;
clearInterval(timer);
process.stdout.write(`ended ${result.status} restored=${result.restoredFromCheckpointId ?? 'none'}\n`);
