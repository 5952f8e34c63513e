/**
 * The Tributary peer jobs as a job module (`defineJob`): the same three Kafka jobs as
 * java/FlinkPeerJob.java — pass-through at-least-once, pass-through exactly-once, JSON → Avro.
 * A module (not an inline pipeline) so that, with `workers: 'auto'` (the default), each subtask of
 * a p=2 job runs in its own worker thread on its own core, as a user's job would and as Flink's
 * task slots do. tributary-job.ts runs it.
 */

import { BucketAssigners, FileSink, FileSource } from '@tributary/connector-files';
import { KafkaSink, KafkaSource, kafkaRecordSerializer, valueOnly } from '@tributary/connector-kafka';
import { type DeserializationSchema, defineJob, Pipeline } from '@tributary/core';
import { AvroSerializationSchema } from '@tributary/format-avro';
import { CsvFileFormat } from '@tributary/format-csv';
import { JsonDeserializationSchema } from '@tributary/format-json';
import { ParquetWriterFormat } from '@tributary/format-parquet';
import { type BenchEvent, EVENT_AVRO_SCHEMA } from '../workload.js';

export interface JobArgs {
  readonly brokers: string[];
  readonly input: string;
  readonly output: string;
  readonly scenario: 'passthrough' | 'exactly-once' | 'json-avro' | 'csv-parquet';
  readonly parallelism: number;
  readonly bounded: boolean;
  readonly checkpointDir: string;
  readonly txnPrefix: string;
}

const bytes: DeserializationSchema<Uint8Array> = { deserialize: (value) => value };

/**
 * Files CSV → Parquet (bounded): `input` and `output` are directories. Uncompressed Parquet pages,
 * as Flink's Avro-reflection Parquet writer writes them by default.
 */
function csvToParquet(args: JobArgs) {
  const csv = new CsvFileFormat({
    header: false,
    columns: [{ name: 'id', type: 'integer' }, { name: 'ts', type: 'integer' }, 'pad'],
  });
  const parquet = new ParquetWriterFormat({
    columns: [
      { name: 'id', type: 'int64', nullable: false },
      { name: 'ts', type: 'int64', nullable: false },
      { name: 'pad', type: 'string', nullable: false },
    ],
    compression: 'uncompressed',
  });
  return Pipeline.from(FileSource.forFormat(csv, args.input)).sinkTo(
    FileSink.forFormat(args.output, parquet, { bucketAssigner: BucketAssigners.basePath() }),
  );
}

export default defineJob((args: JobArgs) => {
  if (args.scenario === 'csv-parquet') return csvToParquet(args);
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
  if (args.scenario === 'json-avro') {
    const avro = new AvroSerializationSchema<BenchEvent>({ schema: EVENT_AVRO_SCHEMA });
    return Pipeline.from(source(new JsonDeserializationSchema<BenchEvent>())).sinkTo(
      sink<BenchEvent>((event) => avro.serialize(event)),
    );
  }
  return Pipeline.from(source(bytes)).sinkTo(sink<Uint8Array>((value) => value));
});
