import { DescribeStreamSummaryCommand, type StreamDescriptionSummary } from '@aws-sdk/client-kinesis';
import { defineOptions, type TributaryPlugin } from '@tributary/core';
import { z } from 'zod';
import { createKinesisClient } from './client/kinesis-client.js';
import type { KinesisConnectionOptions } from './client/kinesis-client-options.js';
import { wrapKinesisError } from './client/kinesis-errors.js';
import { kinesisRecordSerializer } from './sink/kinesis-record-serializer.js';
import { KinesisSink } from './sink/kinesis-sink.js';
import { KinesisSinkOptions, type ResolvedKinesisSinkOptions } from './sink/kinesis-sink-options.js';
import { valueOnly } from './source/kinesis-record.js';
import { streamLabel, streamTarget } from './source/kinesis-shard-discoverer.js';
import { KinesisSource } from './source/kinesis-source.js';
import { KinesisSourceOptions, type ResolvedKinesisSourceOptions } from './source/kinesis-source-options.js';

/** `sink.options` of a pipeline file: the sink's options plus how records get their partition key. */
const pipelineSinkOptions = defineOptions(
  KinesisSinkOptions.component,
  (KinesisSinkOptions.schema as unknown as z.ZodObject).safeExtend({
    partitionKey: z
      .union([
        z.literal('random'),
        z.strictObject({ field: z.string().min(1).describe('Top-level record field (stringified).') }),
      ])
      .default('random')
      .describe(
        "Partition key (and with it the shard) of each record: 'random' spreads records evenly (no order per key), { field } keeps records with the same value in order.",
      ),
  }),
);

type PipelineSinkOptions = ResolvedKinesisSinkOptions & { partitionKey: 'random' | { field: string } };

type StreamOptions = KinesisConnectionOptions & {
  readonly streamName?: string | undefined;
  readonly streamArn?: string | undefined;
};

/** Describes the stream (it exists, the credentials are accepted) for `tributary validate`. */
async function checkStream(options: StreamOptions): Promise<string> {
  const target = streamTarget(options);
  const client = createKinesisClient(options);
  let summary: StreamDescriptionSummary | undefined;
  try {
    summary = (await client.send(new DescribeStreamSummaryCommand(target))).StreamDescriptionSummary;
  } catch (error) {
    throw wrapKinesisError(error, 'DescribeStreamSummary', { stream: streamLabel(target) });
  } finally {
    client.destroy();
  }
  const status = summary?.StreamStatus ?? 'UNKNOWN';
  if (status !== 'ACTIVE' && status !== 'UPDATING') {
    throw new Error(
      `stream ${streamLabel(target)} is ${status}, not ACTIVE: records cannot be read or written yet`,
    );
  }
  return `stream ${streamLabel(target)}: ${status}, ${summary?.OpenShardCount ?? '?'} open shard(s)`;
}

/** The Kinesis connector for declarative pipelines (`connector: kinesis`, see `@tributary/cli`). */
export const tributaryPlugin: TributaryPlugin = {
  name: 'kinesis',
  description: 'Amazon Kinesis Data Streams: shard source with resharding and fan-out, PutRecords sink',
  source: {
    options: KinesisSourceOptions,
    format: 'message',
    guarantee: 'exactly-once (sequence numbers in checkpoints)',
    create(options, format) {
      if (!format?.deserializer) throw new Error(`format '${format?.name}' cannot read Kinesis records`);
      return new KinesisSource(options as ResolvedKinesisSourceOptions, valueOnly(format.deserializer));
    },
    check: (options) => checkStream(options as ResolvedKinesisSourceOptions),
  },
  sink: {
    options: pipelineSinkOptions,
    format: 'message',
    guarantee: 'at-least-once (buffered entries in checkpoints, retried)',
    create(options, format) {
      if (!format?.serializer) throw new Error(`format '${format?.name}' cannot write Kinesis records`);
      const { partitionKey, ...rest } = options as PipelineSinkOptions;
      return new KinesisSink(rest, kinesisRecordSerializer({ value: format.serializer, partitionKey }));
    },
    check: (options) => checkStream(options as PipelineSinkOptions),
  },
};
