import { defineOptions } from '@tributary/core';
import { z } from 'zod';
import { pulsarConnectionShape } from '../pulsar-connection-options.js';

/**
 * The default transaction timeout: 5 minutes. It must outlast checkpoint interval + checkpoint
 * duration + the longest recovery (a pre-committed transaction waits that long for its commit),
 * and it bounds how long a transaction left open by a crashed attempt that no checkpoint knows
 * holds readers back (Pulsar dispatches nothing past an open transaction's first message).
 */
export const DEFAULT_PULSAR_TRANSACTION_TIMEOUT_MS = 300_000;

const sinkSchema = z
  .object({
    ...pulsarConnectionShape,
    deliveryGuarantee: z
      .enum(['none', 'at-least-once', 'exactly-once'])
      .default('at-least-once')
      .describe(
        '`none`: no wait at checkpoints; `at-least-once`: every checkpoint waits for all send receipts; `exactly-once`: one Pulsar transaction per checkpoint and subtask, committed by id when the checkpoint completes (needs `transactionCoordinatorEnabled=true` on the brokers).',
      ),
    transactionTimeoutMs: z
      .number()
      .int()
      .min(1000)
      .default(DEFAULT_PULSAR_TRANSACTION_TIMEOUT_MS)
      .describe(
        'Coordinator-side timeout of each transaction, counted from its opening. Greater than 2 × checkpoint interval + checkpoint duration + the longest recovery; small enough that a transaction a crash left open does not hold readers back for long.',
      ),
    batchingEnabled: z
      .boolean()
      .default(true)
      .describe('Batch messages to the same partition into one entry (as the Java client).'),
    batchingMaxMessages: z.number().int().min(1).default(1000).describe('Messages per batch at most.'),
    batchingMaxBytes: z
      .number()
      .int()
      .min(1)
      .default(128 * 1024)
      .describe('Payload bytes per batch at most.'),
    batchingMaxPublishDelayMs: z
      .number()
      .int()
      .min(0)
      .default(10)
      .describe('Longest time a message waits in an open batch.'),
    compression: z
      .enum(['none', 'lz4', 'zlib', 'zstd', 'snappy'])
      .default('none')
      .describe('Payload compression (all readable by the Java client; no native code).'),
    maxPendingMessages: z
      .number()
      .int()
      .min(1)
      .default(1000)
      .describe(
        'Messages per writer waiting for a receipt; `write` waits above it (backpressure). A checkpoint waits for all of them: larger raises throughput and checkpoint time.',
      ),
    sendTimeoutMs: z
      .number()
      .int()
      .min(0)
      .default(30_000)
      .describe('Time a message may wait for its receipt, reconnects included (0: forever).'),
  })
  .strict();

/** Options of {@link PulsarSink} (`pulsar.sink.*`). */
export const PulsarSinkOptions = defineOptions('pulsar.sink', sinkSchema);

/** What a user passes to {@link PulsarSink}. */
export type PulsarSinkOptionsInput = z.input<typeof sinkSchema>;
/** Options with defaults applied. */
export type ResolvedPulsarSinkOptions = z.output<typeof sinkSchema>;
