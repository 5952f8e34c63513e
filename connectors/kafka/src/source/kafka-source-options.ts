import { defineOptions, sourceReaderBaseOptionsShape } from '@tributary/core';
import { z } from 'zod';
import { kafkaConnectionShape } from '../client/kafka-client-options.js';

/** `{ topic: { partition: offset } }`, e.g. `{ orders: { '0': 42, '1': 17 } }`. */
const specificOffsets = z
  .record(
    z.string().min(1),
    z.record(z.string().regex(/^\d+$/, 'partition numbers'), z.number().int().min(0)),
  )
  .describe('Offsets per topic and partition: `{ "orders": { "0": 42 } }`.');

const startingOffsetsSchema = z
  .union([
    z.enum(['earliest', 'latest', 'committed']),
    z.object({ timestamp: z.number().int().min(0).describe('Ms since the epoch.') }).strict(),
    z.object({ specific: specificOffsets }).strict(),
  ])
  .default('earliest')
  .describe(
    'Where splits start without a checkpoint: `earliest`, `latest`, `committed` (the group’s offsets; `offsetResetStrategy` when it has none), `{ timestamp }` (first record at or after it; the end when none) or `{ specific }` (`offsetResetStrategy` for unlisted partitions). A restored checkpoint always wins.',
  );

const stoppingOffsetsSchema = z
  .union([
    z.enum(['never', 'latest']),
    z.object({ timestamp: z.number().int().min(0).describe('Ms since the epoch.') }).strict(),
    z.object({ specific: specificOffsets }).strict(),
  ])
  .default('never')
  .describe(
    'Where a bounded read ends (exclusive): `never` (unbounded source), `latest` (the end offsets when the job starts; the last stable offsets with read_committed), `{ timestamp }` (before the first record at or after it) or `{ specific }` (unlisted partitions stop at latest). Any value but `never` makes the source bounded.',
  );

const sourceSchema = z
  .object({
    ...kafkaConnectionShape,
    ...sourceReaderBaseOptionsShape,
    topics: z.array(z.string().min(1)).min(1).optional().describe('Topics to read (all their partitions).'),
    topicPattern: z
      .string()
      .min(1)
      .optional()
      .describe(
        'A regular expression; every matching topic is read, including topics created later (discovery).',
      ),
    partitions: z
      .array(z.object({ topic: z.string().min(1), partition: z.number().int().min(0) }).strict())
      .min(1)
      .optional()
      .describe('Explicit topic partitions to read (no discovery of others).'),
    groupId: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Consumer group for `committed` start offsets and for offsets committed on checkpoint completion (monitoring; the source never joins the group).',
      ),
    startingOffsets: startingOffsetsSchema,
    stoppingOffsets: stoppingOffsetsSchema,
    offsetResetStrategy: z
      .enum(['earliest', 'latest', 'none'])
      .default('earliest')
      .describe(
        'Where to go when there is no committed or specific offset, or a position left the log (retention): `none` fails the job.',
      ),
    isolationLevel: z
      .enum(['read_committed', 'read_uncommitted'])
      .default('read_committed')
      .describe('`read_committed` skips aborted transactions and waits for open ones to end.'),
    partitionDiscoveryIntervalMs: z
      .number()
      .int()
      .min(0)
      .default(300_000)
      .describe('How often an unbounded source looks for new partitions and topics; 0 disables discovery.'),
    commitOffsetsOnCheckpoint: z
      .boolean()
      .default(true)
      .describe(
        'Commit the checkpointed offsets to `groupId` when a checkpoint completes (for lag monitoring).',
      ),
    fetchMaxWaitMs: z
      .number()
      .int()
      .min(0)
      .default(500)
      .describe('Longest time a broker holds a fetch waiting for data (also bounds wake-up latency).'),
    fetchMinBytes: z
      .number()
      .int()
      .min(1)
      .default(1)
      .describe('Bytes a broker waits for before answering a fetch.'),
    fetchMaxBytes: z
      .number()
      .int()
      .min(1024)
      .default(52_428_800)
      .describe('Most bytes one fetch response carries (per broker).'),
    maxPartitionFetchBytes: z
      .number()
      .int()
      .min(1024)
      .default(1_048_576)
      .describe('Most bytes per partition in one fetch (a larger first batch is still returned whole).'),
    fetchRetryTimeoutMs: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe(
        'How long fetches from one leader may keep failing with retriable errors (broker down, leader moving, network) before the source fails the job. Unset: keep retrying with backoff (`initialRetryTimeMs` doubling up to `maxRetryTimeMs`), as the Java consumer does; every failure is counted in `fetchErrors` and logged.',
      ),
    onPartitionDeleted: z
      .enum(['fail', 'drop'])
      .default('fail')
      .describe(
        'A partition being read was deleted (its topic deleted, or not in the checkpoint’s cluster): `fail` the job with TRIB_KAFKA_PARTITION_DELETED, or `drop` its split (logged, counted in `partitionsDropped`; the rest goes on).',
      ),
    onTopicRecreated: z
      .enum(['fail', 'earliest'])
      .default('fail')
      .describe(
        'A topic being read was deleted and created again (a new topic id, Kafka ≥ 3.1): `fail` with TRIB_KAFKA_TOPIC_RECREATED, or read the new topic from its `earliest` offset (logged, counted in `topicsRecreated`). Never continued silently from an offset of the old topic.',
      ),
    onDeserializationError: z
      .enum(['fail', 'skip'])
      .default('fail')
      .describe(
        '`skip` counts the record in numRecordsInErrors, logs it by topic/partition/offset and goes on.',
      ),
  })
  .strict()
  .superRefine((value, ctx) => {
    const subscriptions = [value.topics, value.topicPattern, value.partitions].filter((s) => s !== undefined);
    if (subscriptions.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['topics'],
        message: 'set exactly one of topics, topicPattern or partitions',
      });
    }
    if (value.topicPattern !== undefined) {
      try {
        new RegExp(value.topicPattern);
      } catch {
        ctx.addIssue({
          code: 'custom',
          path: ['topicPattern'],
          message: 'is not a valid regular expression',
        });
      }
    }
    if (value.startingOffsets === 'committed' && value.groupId === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['groupId'],
        message: 'is required with startingOffsets "committed"',
      });
    }
  });

/** Options of {@link KafkaSource} (`kafka.source.*`). */
export const KafkaSourceOptions = defineOptions('kafka.source', sourceSchema);

/** What a user passes to {@link KafkaSource}. */
export type KafkaSourceOptionsInput = z.input<typeof sourceSchema>;
/** Options with defaults applied. */
export type ResolvedKafkaSourceOptions = z.output<typeof sourceSchema>;
/** A starting-offsets choice. */
export type StartingOffsets = ResolvedKafkaSourceOptions['startingOffsets'];
/** A stopping-offsets choice. */
export type StoppingOffsets = ResolvedKafkaSourceOptions['stoppingOffsets'];
