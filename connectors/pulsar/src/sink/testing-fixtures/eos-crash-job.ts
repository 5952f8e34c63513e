/**
 * Test-only child process: a bounded exactly-once job Pulsar → map → Pulsar with file
 * checkpoints, paced so that a parent can SIGKILL it mid-stream many times (see
 * pulsar-sink-crash.int.test.ts).
 *
 * The input topic holds the records `index` keyed as in crash-keys.ts (a key lives in one
 * partition, in index order); the source reads it Exclusive from earliest to the latest message
 * at the start, its positions in the checkpoints.
 *
 * Args: <service URL> <input topic> <output topic> <checkpoint dir> <unthrottle file>: the map
 * pauses 2 ms every 3 records until the unthrottle file exists (the parent creates it once it has
 * killed the job often enough, so the last run finishes quickly).
 */
import { existsSync } from 'node:fs';
import { createJsonLogger, Pipeline } from '@tributary/core';
import { PulsarSource } from '../../source/pulsar-source.js';
import { pulsarRecordSerializer } from '../pulsar-record-serializer.js';
import { PulsarSink } from '../pulsar-sink.js';

interface CrashRecord {
  readonly key: string;
  readonly index: number;
}

const [serviceUrl, input, output, checkpointDir, unthrottleFile] = process.argv.slice(2);
if (!serviceUrl || !input || !output || !checkpointDir || !unthrottleFile) {
  process.stderr.write(
    'usage: eos-crash-job <serviceUrl> <input> <output> <checkpointDir> <unthrottleFile>\n',
  );
  process.exit(2);
}
const decoder = new TextDecoder();
const pause = new Int32Array(new SharedArrayBuffer(4));
let throttled = true;
let seen = 0;

/** Warnings and errors to stderr; of the info lines only the restore's aborts, to stdout for the parent. */
function reportLine(line: string): void {
  const entry = JSON.parse(line) as { level: string; msg?: string; transactions?: string[] };
  if (entry.level !== 'info') process.stderr.write(`${line}\n`);
  else if (entry.msg?.startsWith('aborted lingering Pulsar transactions'))
    process.stdout.write(`lingering-aborted ${entry.transactions?.length ?? 0}\n`);
}

const result = await Pipeline.from(
  new PulsarSource<CrashRecord>(
    {
      serviceUrl,
      topics: [input],
      subscriptionName: 'crash-job',
      subscriptionType: 'Exclusive',
      stopCursor: 'latest',
      // Small polls: the map's pauses block the thread for at most ~70 ms per poll (the input's
      // entries are producer batches of up to 1,000 messages; a poll may stop inside one).
      maxRecordsPerPoll: 100,
      receiverQueueSize: 100,
      fetchMaxWaitMs: 100,
    },
    { deserialize: (m) => ({ key: m.key ?? '', index: Number(decoder.decode(m.payload)) }) },
  ),
)
  .map((record) => {
    // Short, frequent pauses (with a yield after every poll, below) leave the event loop free
    // for checkpoints and commits.
    if (++seen % 3 === 0 && throttled) {
      if (seen % 600 === 0 && existsSync(unthrottleFile)) throttled = false;
      if (throttled) Atomics.wait(pause, 0, 0, 2);
    }
    return { ...record, doubled: record.index * 2 };
  })
  .sinkTo(
    new PulsarSink(
      { serviceUrl, deliveryGuarantee: 'exactly-once', transactionTimeoutMs: 30_000 },
      pulsarRecordSerializer({
        topic: output,
        key: (r) => r.key,
        value: (r) => `${r.index}:${r.doubled}`,
      }),
    ),
  )
  .execute(
    {
      jobName: 'pulsar-crash',
      parallelism: 2,
      checkpointing: { intervalMs: 200, directory: checkpointDir },
      // The map's pauses block the thread: yielding after every poll (of at most 100 records,
      // ~70 ms paused) lets checkpoint and commit I/O run between them. At the default 16 polls a
      // subtask held the event loop ~1 s at a time and a run's first checkpoint took ~18 s.
      maxBatchesPerYield: 1,
      // A send whose outcome is unknown (a lost connection) fails the attempt; it restarts in-process.
      restartStrategy: { type: 'fixed-delay', attempts: 3, delayMs: 500 },
    },
    { logger: createJsonLogger({ level: 'info', write: reportLine }) },
  );
process.stdout.write(`finished restored=${result.restoredFromCheckpointId ?? 'none'}\n`);
