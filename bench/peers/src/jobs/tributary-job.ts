/**
 * The Tributary side of the peer benchmarks, run as its own process (like the Flink job) so its
 * CPU time and memory are measured alone. The same three Kafka jobs as java/FlinkPeerJob.java:
 * pass-through at-least-once, pass-through exactly-once, JSON → Avro; 1 s checkpoints in all.
 *
 * Args: one JSON object (see {@link JobArgs}). Prints `PEER_RESULT {json}` when a bounded job ends.
 * Runs on the packages' built code (no `@tributary/source` condition), as a user's job would.
 */
import { KafkaSink, KafkaSource, kafkaRecordSerializer, valueOnly } from '@tributary/connector-kafka';
import { type DeserializationSchema, Pipeline, silentLogger } from '@tributary/core';
import { AvroSerializationSchema } from '@tributary/format-avro';
import { JsonDeserializationSchema } from '@tributary/format-json';
import { processStats } from '../process-stats.js';
import { type BenchEvent, EVENT_AVRO_SCHEMA } from '../workload.js';

export interface JobArgs {
  readonly brokers: string[];
  readonly input: string;
  readonly output: string;
  readonly scenario: 'passthrough' | 'exactly-once' | 'json-avro';
  readonly parallelism: number;
  readonly bounded: boolean;
  readonly checkpointDir: string;
  readonly txnPrefix: string;
}

const args = JSON.parse(process.argv[2] ?? '') as JobArgs;

const bytes: DeserializationSchema<Uint8Array> = { deserialize: (value) => value };
const source = <T>(value: DeserializationSchema<T>) =>
  new KafkaSource<T>(
    {
      brokers: args.brokers,
      topics: [args.input],
      startingOffsets: 'earliest',
      ...(args.bounded ? { stoppingOffsets: 'latest' as const } : {}),
      isolationLevel: 'read_committed',
    },
    valueOnly(value),
  );
const sink = <T>(value: (record: T) => Uint8Array) =>
  new KafkaSink<T>(
    {
      brokers: args.brokers,
      deliveryGuarantee: args.scenario === 'exactly-once' ? 'exactly-once' : 'at-least-once',
      transactionalIdPrefix: args.txnPrefix,
    },
    kafkaRecordSerializer({ topic: args.output, value }),
  );

const options = {
  parallelism: args.parallelism,
  checkpointing: { intervalMs: 1000, directory: args.checkpointDir },
};
if (args.scenario === 'json-avro') {
  const avro = new AvroSerializationSchema<BenchEvent>({ schema: EVENT_AVRO_SCHEMA });
  await Pipeline.from(source(new JsonDeserializationSchema<BenchEvent>()))
    .sinkTo(sink<BenchEvent>((event) => avro.serialize(event)))
    .execute(options, { logger: silentLogger });
} else {
  await Pipeline.from(source(bytes))
    .sinkTo(sink<Uint8Array>((value) => value))
    .execute(options, { logger: silentLogger });
}
process.stdout.write(`PEER_RESULT ${JSON.stringify(processStats())}\n`);
