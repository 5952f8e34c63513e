import type {
  Committer,
  CommitterInitContext,
  Sink,
  SinkWriter,
  SupportsCommitter,
  SupportsWriterState,
  VersionedSerializer,
  WriterInitContext,
} from '@tributary/core';
import { ExactlyOnceKafkaSinkWriter } from './exactly-once-kafka-sink-writer.js';
import {
  type KafkaCommittable,
  type KafkaWriterState,
  kafkaCommittableSerializer,
  kafkaWriterStateSerializer,
} from './kafka-committable.js';
import { KafkaCommitter } from './kafka-committer.js';
import { abortLingeringTransactions, lingeringCleanup } from './kafka-lingering-transactions.js';
import type { KafkaRecordSerializer } from './kafka-record-serializer.js';
import {
  KafkaSinkOptions,
  type KafkaSinkOptionsInput,
  type ResolvedKafkaSinkOptions,
} from './kafka-sink-options.js';
import { KafkaSinkWriter } from './kafka-sink-writer.js';
import { openWriterResources } from './kafka-writer-resources.js';

/**
 * Writes records to Kafka with the configured delivery guarantee (`none`, `at-least-once`,
 * `exactly-once`). A cheap description: validation runs here, connections open in the writers.
 *
 * ```ts
 * const sink = new KafkaSink(
 *   { brokers: ['localhost:9092'], deliveryGuarantee: 'exactly-once', transactionalIdPrefix: 'orders-job' },
 *   kafkaRecordSerializer({ topic: 'orders', key: (o: Order) => o.id, value: (o) => JSON.stringify(o) }),
 * );
 * ```
 */
export class KafkaSink<T>
  implements Sink<T>, SupportsCommitter<KafkaCommittable>, SupportsWriterState<T, KafkaWriterState>
{
  readonly options: ResolvedKafkaSinkOptions;
  readonly committableSerializer: VersionedSerializer<KafkaCommittable> = kafkaCommittableSerializer;
  readonly writerStateSerializer: VersionedSerializer<KafkaWriterState> = kafkaWriterStateSerializer;

  constructor(
    options: KafkaSinkOptionsInput,
    private readonly serializer: KafkaRecordSerializer<T>,
  ) {
    this.options = KafkaSinkOptions.parse(options);
  }

  createWriter(ctx: WriterInitContext): Promise<SinkWriter<T>> {
    return this.restoreWriter(ctx, []);
  }

  async restoreWriter(
    ctx: WriterInitContext,
    recoveredState: readonly KafkaWriterState[],
  ): Promise<SinkWriter<T>> {
    const resources = await openWriterResources(this.options, this.serializer, ctx);
    if (this.options.deliveryGuarantee === 'exactly-once') {
      return ExactlyOnceKafkaSinkWriter.open(resources, this.options, ctx, recoveredState);
    }
    if (recoveredState.length > 0) {
      // The job ran exactly-once before: abort what its failed attempt left open, so that
      // read_committed consumers are not held back until those transactions time out.
      try {
        await abortLingeringTransactions(
          resources.cluster,
          resources.producers.prober(),
          ctx.logger,
          lingeringCleanup(
            ctx,
            recoveredState.map((s) => s.transactionalIdPrefix),
            recoveredState,
          ),
          this.options.coordinatorFailoverTimeoutMs,
        );
      } catch (error) {
        await resources.release();
        throw error;
      }
    }
    return KafkaSinkWriter.open(resources, this.options);
  }

  /** Created for every guarantee (the runtime asks structurally); it connects only when it has work. */
  createCommitter(ctx: CommitterInitContext): Committer<KafkaCommittable> {
    return new KafkaCommitter(this.options, ctx);
  }
}
