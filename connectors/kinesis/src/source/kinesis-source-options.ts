import { defineOptions, sourceReaderBaseOptionsShape } from '@tributary/core';
import { z } from 'zod';
import { kinesisConnectionShape } from '../client/kinesis-client-options.js';

const sourceSchema = z
  .strictObject({
    ...kinesisConnectionShape,
    ...sourceReaderBaseOptionsShape,
    streamName: z.string().min(1).optional().describe('Stream to read (or set `streamArn`).'),
    streamArn: z
      .string()
      .regex(/^arn:aws[\w-]*:kinesis:/, 'a Kinesis stream ARN (arn:aws:kinesis:region:account:stream/name)')
      .optional()
      .describe('Stream to read by ARN; instead of `streamName`.'),
    startingPosition: z
      .union([
        z.enum(['trim-horizon', 'latest']),
        z.strictObject({ timestamp: z.number().int().min(0).describe('Ms since the epoch.') }),
      ])
      .default('latest')
      .describe(
        'Where shards start without a checkpoint: `trim-horizon` (oldest record kept), `latest` (records arriving after the job started; resolved once to the start time so restarts agree) or `{ timestamp }` (first record that arrived at or after it). Child shards found later always start at their first record. A restored checkpoint always wins.',
      ),
    stoppingPosition: z
      .union([
        z.enum(['never', 'latest']),
        z.strictObject({ timestamp: z.number().int().min(0).describe('Ms since the epoch.') }),
      ])
      .default('never')
      .describe(
        'Where a bounded read ends: `never` (unbounded source), `latest` (records that arrived before the job started) or `{ timestamp }` (records that arrived at or before it). A shard ends at its first record after the stop, or once it is read up to its tip after the stop time. Any value but `never` makes the source bounded.',
      ),
    shardDiscoveryIntervalMs: z
      .number()
      .int()
      .min(0)
      .default(10_000)
      .describe(
        'How often shards are listed (ListShards) to find children after resharding; a shard that ends also triggers a listing. 0: only when shards end.',
      ),
    getRecordsMaxRecords: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(10_000)
      .describe('`Limit` of one GetRecords call.'),
    getRecordsIntervalMs: z
      .number()
      .int()
      .min(200)
      .default(200)
      .describe(
        'Least time between two GetRecords calls on one shard (Kinesis allows 5 per second per shard, shared by all consumers). The reader also waits long enough to stay under 2 MB/s per shard.',
      ),
    idleIntervalMs: z
      .number()
      .int()
      .min(200)
      .default(1_000)
      .describe('Pause before polling a shard again after it returned nothing and is at its tip.'),
    throttleBackoffInitialMs: z
      .number()
      .int()
      .min(1)
      .default(500)
      .describe(
        'First pause after ProvisionedThroughputExceededException; doubles per throttled call in a row.',
      ),
    throttleBackoffMaxMs: z
      .number()
      .int()
      .min(1)
      .default(10_000)
      .describe('Longest pause after repeated throttling.'),
    readerType: z
      .enum(['polling', 'efo'])
      .default('polling')
      .describe(
        '`polling`: GetRecords (shares the 5 calls/s and 2 MB/s per shard with other consumers). `efo`: enhanced fan-out (SubscribeToShard over HTTP/2, a dedicated 2 MB/s per shard; needs `efoConsumerName`; not available on kinesalite).',
      ),
    efoConsumerName: z
      .string()
      .min(1)
      .max(128)
      .optional()
      .describe(
        'Enhanced fan-out consumer name; registered on the stream if it does not exist (left registered when the job ends).',
      ),
    deaggregate: z
      .boolean()
      .default(false)
      .describe(
        'Split KPL-aggregated records (magic 0xF3899AC2 + protobuf + MD5) into their user records; positions become sub-sequence aware.',
      ),
    onDeserializationError: z
      .enum(['fail', 'skip'])
      .default('fail')
      .describe(
        '`skip` counts the record in numRecordsInErrors, logs it by shard and sequence number and goes on.',
      ),
  })
  .superRefine((value, ctx) => {
    if ((value.streamName === undefined) === (value.streamArn === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['streamName'],
        message: 'set exactly one of streamName or streamArn',
      });
    }
    if (value.readerType === 'efo' && value.efoConsumerName === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['efoConsumerName'],
        message: 'is required with readerType "efo"',
      });
    }
    if (value.throttleBackoffMaxMs < value.throttleBackoffInitialMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['throttleBackoffMaxMs'],
        message: 'must be at least throttleBackoffInitialMs',
      });
    }
  });

/** Options of {@link KinesisSource} (`kinesis.source.*`). */
export const KinesisSourceOptions = defineOptions('kinesis.source', sourceSchema);

/** What a user passes to {@link KinesisSource}. */
export type KinesisSourceOptionsInput = z.input<typeof sourceSchema>;
/** Options with defaults applied. */
export type ResolvedKinesisSourceOptions = z.output<typeof sourceSchema>;
