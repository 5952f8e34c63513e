/**
 * Test-only child process: a bounded data generator → Elasticsearch upsert job with file
 * checkpoints, paced so that a parent can SIGKILL it mid-stream (see
 * elasticsearch-crash.int.test.ts). Record i < half inserts `{ id: i, a }`, record i ≥ half
 * upserts `{ id: i - half, b }` into the same document: merges commute, so the final index is
 * known whatever the interleaving of the two subtasks, and every replay after a restore must
 * land on the same ids.
 *
 * Args: <node> <index> <checkpoint dir> <documents> <records/s> <unthrottle file>: paced at that
 * rate unless the unthrottle file exists at start (the parent creates it for the last run).
 */
import { existsSync } from 'node:fs';
import { createJsonLogger, DataGeneratorSource, Pipeline } from '@tributary/core';
import { ElasticsearchSink } from '../sink/elasticsearch-sink.js';

const [node, index, checkpointDir, documentsArg, pauseArg, unthrottleFile] = process.argv.slice(2);
if (!node || !index || !checkpointDir || !documentsArg || !pauseArg || !unthrottleFile) {
  process.stderr.write(
    'usage: upsert-crash-job <node> <index> <checkpointDir> <documents> <recordsPerSecond> <unthrottle>\n',
  );
  process.exit(2);
}
const documents = Number(documentsArg);
const recordsPerSecond = existsSync(unthrottleFile) ? 50_000 : Number(pauseArg);
let seen = 0;
process.stdout.write('started\n');

type Upsert = { id: number; a: string } | { id: number; b: string };

const result = await Pipeline.from(
  new DataGeneratorSource<Upsert>({
    generator: (i) => (i < documents ? { id: i, a: `a${i}` } : { id: i - documents, b: `b${i - documents}` }),
    count: 2 * documents,
    numSplits: 2,
    maxRecordsPerPoll: 100,
    // Paced by timers: the loop yields to I/O and checkpoint timers between polls.
    recordsPerSecond,
  }),
)
  .map((record) => {
    // A progress line lets the parent see that the run is past start-up and restore.
    if (++seen % 250 === 0) process.stdout.write(`progress ${seen}\n`);
    return record;
  })
  .sinkTo(
    new ElasticsearchSink<Upsert>({
      nodes: node,
      index,
      action: 'upsert',
      idFields: ['id'],
      maxBatchSize: 200,
      maxTimeInBufferMs: 100,
    }),
  )
  .execute(
    {
      jobName: 'es-upsert-crash',
      parallelism: 2,
      checkpointing: { intervalMs: 200, directory: checkpointDir },
    },
    { logger: createJsonLogger({ level: 'warn' }) },
  );
process.stdout.write(`finished restored=${result.restoredFromCheckpointId ?? 'none'}\n`);
