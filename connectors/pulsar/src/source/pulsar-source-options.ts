import { defineOptions, sourceReaderBaseOptionsShape } from '@tributary/core';
import { z } from 'zod';
import { pulsarConnectionShape } from '../pulsar-connection-options.js';

const MESSAGE_ID = /^-?\d+:-?\d+(:-?\d+){0,2}$/;

const messageIds = z
  .union([
    z.string().regex(MESSAGE_ID, 'a message id: ledgerId:entryId[:batchIndex]'),
    z.record(z.string().min(1), z.string().regex(MESSAGE_ID, 'a message id: ledgerId:entryId[:batchIndex]')),
  ])
  .describe(
    'One message id (`ledgerId:entryId[:batchIndex]`, for a non-partitioned topic or a single partition), or ids by partition name (`persistent://t/ns/orders-partition-0`); partitions without one use the earliest (start) or latest (stop) position.',
  );

const time = z.number().int().min(0).describe('Ms since the epoch.');

const startCursorSchema = z
  .union([
    z.enum(['earliest', 'latest']),
    z.strictObject({
      messageId: messageIds,
      inclusive: z.boolean().default(true).describe('Read the message itself (default) or start after it.'),
    }),
    z.strictObject({ publishTime: time }),
  ])
  .default('earliest')
  .describe(
    'Where splits start without a checkpoint: `earliest`, `latest` (the last message when the job starts, resolved once so a restart agrees), `{ messageId, inclusive }` or `{ publishTime }`. Exclusive/Failover seek the subscription there; Shared/Key_Shared take only `earliest`/`latest`, as the initial position of a new subscription (an existing one keeps its position). A restored checkpoint always wins.',
  );

const stopCursorSchema = z
  .union([
    z.enum(['never', 'latest']),
    z.strictObject({ atMessageId: messageIds }),
    z.strictObject({ afterMessageId: messageIds }),
    z.strictObject({ atPublishTime: time }),
    z.strictObject({ afterPublishTime: time }),
    z.strictObject({ atEventTime: time }),
    z.strictObject({ afterEventTime: time }),
  ])
  .default('never')
  .describe(
    'Where a bounded read ends: `never` (unbounded), `latest` (the last message when the job starts), `{ atMessageId }` / `{ atPublishTime }` / `{ atEventTime }` (before the first message at or past it) or `{ afterMessageId }` / `{ afterPublishTime }` / `{ afterEventTime }` (after it). A time stop ends a partition at its first message past the time. Any value but `never` makes the source bounded (Exclusive/Failover only).',
  );

const sourceSchema = z
  .strictObject({
    ...pulsarConnectionShape,
    ...sourceReaderBaseOptionsShape,
    topics: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe(
        'Topics to read (`name`, `tenant/ns/name` or a full URL), partitioned or not: all partitions.',
      ),
    topicPattern: z
      .string()
      .regex(
        /^(persistent:\/\/)?[^/]+\/[^/]+\/.+$/,
        'use tenant/namespace/regex (or persistent://tenant/namespace/regex)',
      )
      .optional()
      .describe(
        'Every persistent topic of one namespace whose name matches the regular expression, e.g. `public/default/orders-.*`; topics created later are found by discovery.',
      ),
    subscriptionName: z.string().min(1).describe('The (durable) subscription the source reads with.'),
    subscriptionType: z
      .enum(['Exclusive', 'Failover', 'Shared', 'Key_Shared'])
      .default('Exclusive')
      .describe(
        '`Exclusive` / `Failover`: each partition read by one reader, positions in checkpoints, cumulative acks when a checkpoint completes. `Shared` / `Key_Shared`: every reader consumes every partition, the broker spreads messages (Key_Shared: each key to one reader, in order); acks go into one transaction per checkpoint, committed when it completes. All four are exactly-once.',
      ),
    startCursor: startCursorSchema,
    stopCursor: stopCursorSchema,
    partitionDiscoveryIntervalMs: z
      .number()
      .int()
      .min(0)
      .default(30_000)
      .describe('How often an unbounded source looks for new partitions and topics; 0 disables discovery.'),
    receiverQueueSize: z
      .number()
      .int()
      .min(1)
      .default(1000)
      .describe('Messages the broker may push ahead per partition (flow permits).'),
    fetchMaxWaitMs: z
      .number()
      .int()
      .min(1)
      .default(500)
      .describe('Longest a fetch waits for messages before returning empty (also bounds wake-up latency).'),
    transactionTimeoutMs: z
      .number()
      .int()
      .min(1000)
      .default(300_000)
      .describe(
        'Shared/Key_Shared: coordinator timeout of the transactions holding acks. Greater than 2 × checkpoint interval + checkpoint duration + the longest recovery, or a completed checkpoint’s acks may be aborted (messages then come again).',
      ),
    backlogIntervalMs: z
      .number()
      .int()
      .min(100)
      .default(5000)
      .describe('How often each partition’s subscription backlog is read for the `pendingRecords` gauge.'),
    onDeserializationError: z
      .enum(['fail', 'skip'])
      .default('fail')
      .describe('`skip` counts the message in numRecordsInErrors, logs topic and message id, and goes on.'),
  })
  .superRefine((value, ctx) => {
    if ((value.topics === undefined) === (value.topicPattern === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['topics'],
        message: 'set exactly one of topics or topicPattern',
      });
    }
    if (value.topicPattern !== undefined) {
      try {
        new RegExp(value.topicPattern.replace(/^(persistent:\/\/)?[^/]+\/[^/]+\//, ''));
      } catch {
        ctx.addIssue({
          code: 'custom',
          path: ['topicPattern'],
          message: 'is not a valid regular expression',
        });
      }
    }
    const shared = value.subscriptionType === 'Shared' || value.subscriptionType === 'Key_Shared';
    if (shared && typeof value.startCursor !== 'string') {
      ctx.addIssue({
        code: 'custom',
        path: ['startCursor'],
        message: `must be 'earliest' or 'latest' with ${value.subscriptionType} (the subscription holds the position)`,
      });
    }
    if (shared && value.stopCursor !== 'never') {
      ctx.addIssue({
        code: 'custom',
        path: ['stopCursor'],
        message: `must be 'never' with ${value.subscriptionType}: no reader can tell when the others reached a stop`,
      });
    }
  });

/** Options of {@link PulsarSource} (`pulsar.source.*`). */
export const PulsarSourceOptions = defineOptions('pulsar.source', sourceSchema);

/** What a user passes to {@link PulsarSource}. */
export type PulsarSourceOptionsInput = z.input<typeof sourceSchema>;
/** Options with defaults applied. */
export type ResolvedPulsarSourceOptions = z.output<typeof sourceSchema>;
/** A start-cursor choice. */
export type PulsarStartCursor = ResolvedPulsarSourceOptions['startCursor'];
/** A stop-cursor choice. */
export type PulsarStopCursor = ResolvedPulsarSourceOptions['stopCursor'];

/** True for the subscription types where every reader consumes every partition. */
export function isSharedType(type: ResolvedPulsarSourceOptions['subscriptionType']): boolean {
  return type === 'Shared' || type === 'Key_Shared';
}
