/**
 * Test-only child process: Hybrid(files → bounded Kafka) → exactly-once Kafka sink with file
 * checkpoints, paced so that a parent can SIGKILL it after the switch to Kafka (see
 * hybrid-files-then-kafka-crash.int.test.ts). Prints `switched` at the first record read from
 * Kafka, and `finished <status> restored=<id>` at the end; it never calls process.exit, so a
 * process that stays alive after the result shows leaked resources.
 *
 * Args: <brokers,comma-separated> <archive dir> <input topic> <output topic> <checkpoint dir> <transactional id prefix>
 */
import { FileSource, type FileSourceEndPosition } from '@tributary/connector-files';
import { createJsonLogger, HybridSource, Pipeline } from '@tributary/core';
import { JsonDeserializationSchema, JsonFileFormat } from '@tributary/format-json';
import { kafkaRecordSerializer } from '../sink/kafka-record-serializer.js';
import { KafkaSink } from '../sink/kafka-sink.js';
import { valueOnly } from '../source/kafka-record-deserializer.js';
import { KafkaSource } from '../source/kafka-source.js';

export interface HybridCrashEvent {
  readonly id: number;
  readonly ts: number;
  readonly from: 'archive' | 'kafka';
}

const [brokersArg, archive, input, output, checkpointDir, prefix] = process.argv.slice(2);
if (!brokersArg || !archive || !input || !output || !checkpointDir || !prefix) {
  process.stderr.write(
    'usage: hybrid-crash-job <brokers> <archive> <input> <output> <checkpointDir> <prefix>\n',
  );
  process.exit(2);
}
const brokers = brokersArg.split(',');
const pause = new Int32Array(new SharedArrayBuffer(4));
let seen = 0;
let switched = false;

const source = HybridSource.builder<HybridCrashEvent>(
  FileSource.forFormat(new JsonFileFormat<HybridCrashEvent>(), archive),
)
  .addSource(({ previousEndPosition }) => {
    const from = (previousEndPosition as FileSourceEndPosition | undefined)?.maxModificationTime;
    return new KafkaSource<HybridCrashEvent>(
      {
        brokers,
        topics: [input],
        startingOffsets: from === undefined || from === null ? 'earliest' : { timestamp: Math.round(from) },
        stoppingOffsets: 'latest',
      },
      valueOnly(new JsonDeserializationSchema<HybridCrashEvent>()),
    );
  }, 'bounded')
  .build();

const result = await Pipeline.from(source)
  .map((e) => {
    if (e.from === 'kafka' && !switched) {
      switched = true;
      process.stdout.write('switched\n');
    }
    // ~4k records/s: the Kafka part lasts long enough for checkpoints after the switch.
    if (++seen % 4 === 0) Atomics.wait(pause, 0, 0, 1);
    return e;
  })
  .sinkTo(
    new KafkaSink<HybridCrashEvent>(
      { brokers, deliveryGuarantee: 'exactly-once', transactionalIdPrefix: prefix },
      kafkaRecordSerializer({ topic: output, value: (e) => JSON.stringify(e) }),
    ),
  )
  .execute(
    { jobName: 'hybrid-crash', parallelism: 2, checkpointing: { intervalMs: 100, directory: checkpointDir } },
    { logger: createJsonLogger({ level: 'warn' }) },
  );
process.stdout.write(`finished ${result.status} restored=${result.restoredFromCheckpointId ?? 'none'}\n`);
