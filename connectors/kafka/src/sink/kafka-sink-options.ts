import { defineOptions } from '@tributary/core';
import { z } from 'zod';
import { DEFAULT_COORDINATOR_FAILOVER_TIMEOUT_MS } from '../client/coordinator-failover.js';
import { kafkaConnectionShape } from '../client/kafka-client-options.js';

/**
 * The default transaction timeout: 15 minutes, the brokers' default `transaction.max.timeout.ms`.
 * A larger value is refused by brokers with the default setting (Flink's 1-hour default is the
 * most reported Kafka sink misconfiguration).
 */
export const DEFAULT_TRANSACTION_TIMEOUT_MS = 900_000;

const sinkSchema = z
  .object({
    ...kafkaConnectionShape,
    deliveryGuarantee: z
      .enum(['none', 'at-least-once', 'exactly-once'])
      .default('at-least-once')
      .describe(
        '`none`: fire and forget; `at-least-once`: every checkpoint waits for all acknowledgements; `exactly-once`: one Kafka transaction per checkpoint and subtask, committed when the checkpoint completes.',
      ),
    transactionalIdPrefix: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[A-Za-z0-9._-]+$/, 'use letters, digits, `.`, `_` and `-`')
      .optional()
      .describe(
        'Required for `exactly-once`: transactional ids are `<prefix>-<subtask>-<k>`, `k` from a small pool per subtask. Unique per sink, job and cluster, stable across restarts: a second sink with the same prefix fails with `TRIB_KAFKA_TRANSACTIONAL_ID_CONFLICT` (same process) or is fenced (`TRIB_KAFKA_TXN_FENCED`).',
      ),
    transactionTimeoutMs: z
      .number()
      .int()
      .min(1000)
      .default(DEFAULT_TRANSACTION_TIMEOUT_MS)
      .describe(
        'Broker-side timeout of each transaction. Must exceed checkpoint interval + checkpoint duration + the longest restart, and be ≤ the brokers’ `transaction.max.timeout.ms`.',
      ),
    onLostTransaction: z
      .enum(['fail', 'continue'])
      .default('fail')
      .describe(
        'What a commit does when the broker aborted a pre-committed transaction (the job was down longer than `transactionTimeoutMs`): `fail` the job with `TRIB_KAFKA_TRANSACTION_LOST`, or `continue` without those records (logged, counted in `lostTransactions`).',
      ),
    coordinatorFailoverTimeoutMs: z
      .number()
      .int()
      .min(0)
      .default(DEFAULT_COORDINATOR_FAILOVER_TIMEOUT_MS)
      .describe(
        'How long the sink’s requests to transaction coordinators (InitProducerId, DescribeTransactions, ListTransactions, the aborts at start-up) and its topic-metadata lookups keep retrying connection failures and moved coordinators while a broker fails over, refreshing the metadata between attempts; then the writer fails with the last error. Must cover the brokers’ `broker.session.timeout.ms` (9 s by default) plus the time the new coordinator takes to load `__transaction_state`. 0: fail at the first such error.',
      ),
    idempotent: z
      .boolean()
      .default(true)
      .describe(
        'Idempotent producer (no duplicates from producer retries, ordered per partition). Always on for `exactly-once`.',
      ),
    acks: z
      .enum(['all', 'leader', 'none'])
      .default('all')
      .describe(
        'Acknowledgements a send waits for. The idempotent and transactional producer require `all`.',
      ),
    compression: z
      .enum(['none', 'gzip', 'snappy', 'lz4', 'zstd'])
      .default('none')
      .describe('Record batch compression codec (all readable by Java clients; no native code).'),
    sendTimeoutMs: z
      .number()
      .int()
      .min(100)
      .default(30_000)
      .describe('Time the partition leaders have to acknowledge a produce request.'),
    lingerMs: z
      .number()
      .int()
      .min(0)
      .max(60_000)
      .default(5)
      .describe(
        'How long a request that is not full waits for more records before it is sent (the Java producer’s `linger.ms`, 5 ms by default since Kafka 4.0). Records accumulate across writes meanwhile. Checkpoints and the end of input send at once, never waiting for it. 0: send as soon as the in-flight window has room.',
      ),
    batchSizeBytes: z
      .number()
      .int()
      .min(1)
      .default(1_000_000)
      .describe(
        'Key and value bytes that make a request full: it is sent without waiting for `lingerMs`. Counts the whole request (all partitions of the writer), unlike the Java producer’s per-partition `batch.size`: kafkajs sends one request at a time per idempotent producer, so requests are larger. Keep it below the topics’ `max.message.bytes` (1 MB by default), which one partition’s batch must not exceed.',
      ),
    maxInFlightRequests: z
      .number()
      .int()
      .min(1)
      .max(32)
      .default(1)
      .describe(
        'Send requests in flight per writer. Must be 1 with idempotence (kafkajs assigns sequence numbers under one lock per broker and gives them back when a request fails, so a second request could overtake a retried one or reuse its sequence numbers); above 1 only with `idempotent: false`, where a retried request may land after a later one.',
      ),
    maxRecordsPerRequest: z
      .number()
      .int()
      .min(1)
      .default(1000)
      .describe(
        'Records that make a request full (kafkajs groups a request’s records per partition in quadratic time: very large requests cost more than they save).',
      ),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.deliveryGuarantee === 'exactly-once' && value.transactionalIdPrefix === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['transactionalIdPrefix'],
        message: 'is required with deliveryGuarantee "exactly-once" (e.g. "orders-job")',
      });
    }
    const idempotent = value.deliveryGuarantee === 'exactly-once' || value.idempotent;
    if (idempotent && value.acks !== 'all') {
      ctx.addIssue({
        code: 'custom',
        path: ['acks'],
        message: 'must be "all" for an idempotent or transactional producer (or set idempotent: false)',
      });
    }
    if (idempotent && value.maxInFlightRequests > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxInFlightRequests'],
        message: 'must be 1 for an idempotent or transactional producer (or set idempotent: false)',
      });
    }
  });

/** Options of {@link KafkaSink} (`kafka.sink.*`). */
export const KafkaSinkOptions = defineOptions('kafka.sink', sinkSchema);

/** What a user passes to {@link KafkaSink}. */
export type KafkaSinkOptionsInput = z.input<typeof sinkSchema>;
/** Options with defaults applied. */
export type ResolvedKafkaSinkOptions = z.output<typeof sinkSchema>;
