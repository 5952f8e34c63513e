import type { SinkWriter, SinkWriterContext } from '@tributary/core';
import type { ResolvedPulsarSinkOptions } from './pulsar-sink-options.js';
import type { PulsarWriterResources } from './pulsar-writer-resources.js';

/**
 * The writer for `none` and `at-least-once`: messages go to the producers as they come (batched
 * by the client); `at-least-once` waits for every receipt before a checkpoint is taken, so a
 * completed checkpoint never covers an unpersisted message. `none` does not wait at checkpoints
 * (messages in flight at a crash may be lost), only at the end of input.
 */
export class PulsarSinkWriter<T> implements SinkWriter<T> {
  private closed = false;

  constructor(
    private readonly resources: PulsarWriterResources<T>,
    private readonly options: ResolvedPulsarSinkOptions,
  ) {}

  async write(batch: readonly T[], ctx: SinkWriterContext): Promise<void> {
    await this.resources.pipeline.send(batch, this.resources.convert(batch, ctx));
  }

  async flush(endOfInput: boolean): Promise<void> {
    if (endOfInput || this.options.deliveryGuarantee === 'at-least-once')
      await this.resources.pipeline.flush();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.resources.release();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
