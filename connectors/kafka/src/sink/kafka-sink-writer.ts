import type { SinkWriter, SinkWriterContext } from '@tributary/core';
import type { KafkaSendPipeline } from './kafka-send-pipeline.js';
import type { ResolvedKafkaSinkOptions } from './kafka-sink-options.js';
import type { KafkaWriterResources } from './kafka-writer-resources.js';

/**
 * The writer for `none` and `at-least-once`: one (idempotent by default) producer. Records
 * accumulate into requests that are sent in the background within the in-flight window;
 * `at-least-once` sends what is accumulated and waits for every acknowledgement before a
 * checkpoint is taken, so a completed checkpoint never covers an unacknowledged record. `none`
 * does not wait at checkpoints (records accumulated or in flight at a crash may be lost), only at
 * the end of input.
 */
export class KafkaSinkWriter<T> implements SinkWriter<T> {
  private closed = false;

  private constructor(
    private readonly resources: KafkaWriterResources<T>,
    private readonly pipeline: KafkaSendPipeline,
    private readonly options: ResolvedKafkaSinkOptions,
  ) {}

  static async open<T>(
    resources: KafkaWriterResources<T>,
    options: ResolvedKafkaSinkOptions,
  ): Promise<KafkaSinkWriter<T>> {
    try {
      const pipeline = await resources.producers.openProducer();
      return new KafkaSinkWriter(resources, pipeline, options);
    } catch (error) {
      await resources.release();
      throw error;
    }
  }

  async write(batch: readonly T[], ctx: SinkWriterContext): Promise<void> {
    const converted = await this.resources.converter.convert(batch, ctx, this.resources.cluster);
    await this.pipeline.send(converted);
  }

  async flush(endOfInput: boolean): Promise<void> {
    if (endOfInput || this.options.deliveryGuarantee === 'at-least-once') await this.pipeline.flush();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Let requests in flight settle so the connections are not cut under them. Records still
    // accumulated were never covered by a checkpoint (flush sends them first): a restore replays them.
    await this.pipeline.abandon();
    await this.resources.release();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
