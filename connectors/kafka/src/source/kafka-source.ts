import type {
  Boundedness,
  Source,
  SourceReader,
  SourceReaderContext,
  SplitEnumerator,
  SplitEnumeratorContext,
  VersionedSerializer,
} from '@tributary/core';
import { createKafkaClient } from '../client/kafka-client.js';
import { createCluster } from '../client/kafkajs-internals.js';
import { type KafkaPartitionSplit, kafkaPartitionSplitSerializer } from './kafka-partition-split.js';
import type { KafkaRecordDeserializer } from './kafka-record-deserializer.js';
import {
  KafkaSourceEnumerator,
  type KafkaSourceEnumState,
  kafkaSourceEnumStateSerializer,
} from './kafka-source-enumerator.js';
import {
  KafkaSourceOptions,
  type KafkaSourceOptionsInput,
  type ResolvedKafkaSourceOptions,
} from './kafka-source-options.js';
import { KafkaSourceReader } from './kafka-source-reader.js';

/**
 * Reads Kafka topics (FLIP-27): the enumerator discovers partitions and assigns each to one
 * reader; readers fetch their partitions directly from the leaders, keep exact offsets in
 * checkpoints, and commit them to `groupId` when a checkpoint completes. Bounded when
 * `stoppingOffsets` is set.
 *
 * ```ts
 * const source = new KafkaSource(
 *   { brokers: ['localhost:9092'], topics: ['orders'], groupId: 'orders-job', startingOffsets: 'committed' },
 *   valueOnly(jsonDeserializationSchema<Order>()),
 * );
 * ```
 */
export class KafkaSource<T> implements Source<T, KafkaPartitionSplit, KafkaSourceEnumState> {
  readonly options: ResolvedKafkaSourceOptions;
  readonly boundedness: Boundedness;
  readonly splitSerializer: VersionedSerializer<KafkaPartitionSplit> = kafkaPartitionSplitSerializer;
  readonly enumeratorStateSerializer: VersionedSerializer<KafkaSourceEnumState> =
    kafkaSourceEnumStateSerializer;

  constructor(
    options: KafkaSourceOptionsInput,
    private readonly deserializer: KafkaRecordDeserializer<T>,
  ) {
    this.options = KafkaSourceOptions.parse(options);
    this.boundedness = this.options.stoppingOffsets === 'never' ? 'unbounded' : 'bounded';
  }

  createEnumerator(
    ctx: SplitEnumeratorContext<KafkaPartitionSplit>,
  ): SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> {
    return this.enumerator(ctx, undefined);
  }

  restoreEnumerator(
    ctx: SplitEnumeratorContext<KafkaPartitionSplit>,
    state: KafkaSourceEnumState,
  ): SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> {
    return this.enumerator(ctx, state);
  }

  createReader(ctx: SourceReaderContext): SourceReader<T, KafkaPartitionSplit> {
    const kafka = createKafkaClient(
      { ...this.options, clientId: `${this.options.clientId}-source-${ctx.subtaskId}` },
      ctx.logger,
    );
    return new KafkaSourceReader(kafka, this.options, this.deserializer, ctx);
  }

  private enumerator(
    ctx: SplitEnumeratorContext<KafkaPartitionSplit>,
    state: KafkaSourceEnumState | undefined,
  ): KafkaSourceEnumerator {
    const kafka = createKafkaClient(
      { ...this.options, clientId: `${this.options.clientId}-enumerator` },
      ctx.logger,
    );
    const cluster = createCluster(kafka, {
      metadataMaxAgeMs: this.options.metadataMaxAgeMs,
      isolationLevel: this.options.isolationLevel === 'read_committed' ? 1 : 0,
    });
    return new KafkaSourceEnumerator(ctx, this.options, cluster, this.boundedness === 'bounded', state);
  }
}
