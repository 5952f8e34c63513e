/**
 * Test-only child process: a bounded Kafka → Kafka exactly-once job with file checkpoints, paced so
 * that a parent can SIGKILL it mid-stream (see kafka-crash.int.test.ts).
 *
 * Args: <brokers,comma-separated> <input topic> <output topic> <checkpoint dir> <transactional id prefix>
 * [<pause ms per 5 records> <unthrottle file>]: the map pauses that long every 5 records until the
 * unthrottle file exists (the parent creates it once it has killed the job often enough, so the
 * last run finishes quickly).
 */
import { appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createJsonLogger, Pipeline } from '@tributary/core';
import { kafkaRecordSerializer } from '../sink/kafka-record-serializer.js';
import { KafkaSink } from '../sink/kafka-sink.js';
import {
  type KafkaMessage,
  kafkaMessageDeserializer,
  utf8Schema,
} from '../source/kafka-record-deserializer.js';
import { KafkaSource } from '../source/kafka-source.js';

const [brokersArg, input, output, checkpointDir, prefix, pauseArg, unthrottleFile] = process.argv.slice(2);
if (!brokersArg || !input || !output || !checkpointDir || !prefix) {
  process.stderr.write('usage: eos-crash-job <brokers> <input> <output> <checkpointDir> <prefix>\n');
  process.exit(2);
}
const brokers = brokersArg.split(',');
const pause = new Int32Array(new SharedArrayBuffer(4));
const pauseMs = pauseArg === undefined ? 0.4 : Number(pauseArg);
let throttled = true;
let seen = 0;
process.stdout.write('started\n');

const job = Pipeline.from(
  new KafkaSource<KafkaMessage<string, string>>(
    { brokers, topics: [input], stoppingOffsets: 'latest', maxRecordsPerPoll: 100 },
    kafkaMessageDeserializer({ key: utf8Schema, value: utf8Schema }),
  ),
)
  .map((m) => {
    // Paced (by default ~12k records/s) so that the job can be killed mid-stream many times; short,
    // frequent pauses leave the event loop free for checkpoints and commits.
    if (++seen % 5 === 0 && throttled) {
      if (unthrottleFile !== undefined && seen % 250 === 0) {
        // A progress line lets the parent kill at a chosen point of the stream.
        process.stdout.write(`progress ${seen}\n`);
        if (existsSync(unthrottleFile)) throttled = false;
      }
      if (throttled) Atomics.wait(pause, 0, 0, pauseMs);
    }
    return m;
  })
  .sinkTo(
    new KafkaSink<KafkaMessage<string, string>>(
      {
        brokers,
        deliveryGuarantee: 'exactly-once',
        transactionalIdPrefix: prefix,
        transactionTimeoutMs: 120_000,
      },
      kafkaRecordSerializer({
        topic: output,
        key: (m) => m.key,
        value: (m) => m.value,
        partitioner: (m) => m.partition,
      }),
    ),
  )
  .start(
    {
      jobName: 'kafka-crash',
      parallelism: 2,
      checkpointing: { intervalMs: 200, directory: checkpointDir },
      // No in-process restarts: a broker outage must not fail the job (the sink rides through it).
      restartStrategy: { type: 'none' },
    },
    { logger: crashJobLogger() },
  );
logJobEvents();
const result = await job.result;
process.stdout.write(`finished restored=${result.restoredFromCheckpointId ?? 'none'}\n`);

/**
 * Warnings to stderr; with `TRIB_KAFKA_CRASH_LOG_DIR` set, every debug line to `<dir>/<pid>.log`
 * instead (per-run timings of start-up, checkpoints and commits when investigating a slow restore).
 */
function crashJobLogger() {
  const file = crashLogFile();
  if (file === undefined) return createJsonLogger({ level: 'warn' });
  return createJsonLogger({ level: 'debug', write: (line) => appendFileSync(file, `${line}\n`) });
}

/** With a log dir, the job's events too: each checkpoint's duration, restores, restarts. */
function logJobEvents(): void {
  const file = crashLogFile();
  if (file === undefined) return;
  job.on('*', (event) => {
    const { error, ...fields } = event as typeof event & { error?: Error };
    const line = { time: Date.now(), msg: `job event ${event.type}`, ...fields, error: error?.message };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  });
}

function crashLogFile(): string | undefined {
  const dir = process.env.TRIB_KAFKA_CRASH_LOG_DIR;
  return dir === undefined ? undefined : join(dir, `${process.pid}.log`);
}
