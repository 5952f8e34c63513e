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
import { ExactlyOncePulsarSinkWriter } from './exactly-once-pulsar-sink-writer.js';
import {
  type PulsarCommittable,
  type PulsarWriterState,
  pulsarCommittableSerializer,
  pulsarWriterStateSerializer,
} from './pulsar-committable.js';
import { PulsarCommitter } from './pulsar-committer.js';
import type { PulsarRecordSerializer } from './pulsar-record-serializer.js';
import {
  PulsarSinkOptions,
  type PulsarSinkOptionsInput,
  type ResolvedPulsarSinkOptions,
} from './pulsar-sink-options.js';
import { PulsarSinkWriter } from './pulsar-sink-writer.js';
import { abortLingeringTransactions } from './pulsar-transaction-aborter.js';
import { openWriterResources } from './pulsar-writer-resources.js';

/**
 * Writes records to Pulsar with the configured delivery guarantee (`none`, `at-least-once`,
 * `exactly-once`). A cheap description: validation runs here, connections open in the writers.
 *
 * ```ts
 * const sink = new PulsarSink(
 *   { serviceUrl: 'pulsar://localhost:6650', deliveryGuarantee: 'exactly-once' },
 *   pulsarRecordSerializer({ topic: 'orders', key: (o: Order) => o.id, value: (o) => JSON.stringify(o) }),
 * );
 * ```
 */
export class PulsarSink<T>
  implements Sink<T>, SupportsCommitter<PulsarCommittable>, SupportsWriterState<T, PulsarWriterState>
{
  readonly options: ResolvedPulsarSinkOptions;
  readonly committableSerializer: VersionedSerializer<PulsarCommittable> = pulsarCommittableSerializer;
  readonly writerStateSerializer: VersionedSerializer<PulsarWriterState> = pulsarWriterStateSerializer;

  constructor(
    options: PulsarSinkOptionsInput,
    private readonly serializer: PulsarRecordSerializer<T>,
  ) {
    this.options = PulsarSinkOptions.parse(options);
  }

  createWriter(ctx: WriterInitContext): Promise<SinkWriter<T>> {
    return this.restoreWriter(ctx, []);
  }

  async restoreWriter(
    ctx: WriterInitContext,
    recoveredState: readonly PulsarWriterState[],
  ): Promise<SinkWriter<T>> {
    const resources = openWriterResources(this.options, this.serializer, ctx);
    if (this.options.deliveryGuarantee === 'exactly-once') {
      return ExactlyOncePulsarSinkWriter.open(resources, this.options, ctx, recoveredState);
    }
    if (recoveredState.some((s) => s.openTransactions.length > 0)) {
      // The job ran exactly-once before: abort what its failed attempt left open, so that readers
      // are not held back until those transactions time out.
      try {
        await abortLingeringTransactions(await resources.client.transactions(), recoveredState, ctx.logger);
      } catch (error) {
        await resources.release();
        throw error;
      }
    }
    return new PulsarSinkWriter(resources, this.options);
  }

  /** Created for every guarantee (the runtime asks structurally); it connects only when it has work. */
  createCommitter(ctx: CommitterInitContext): Committer<PulsarCommittable> {
    return new PulsarCommitter(this.options, ctx);
  }
}
