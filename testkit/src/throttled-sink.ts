import {
  isCommittingWriter,
  isStatefulWriter,
  type Sink,
  type SinkWriter,
  type SinkWriterContext,
  sleep,
  supportsCommitter,
  supportsWriterState,
  type WriterInitContext,
} from '@tributary/core';

/**
 * Wraps a sink so that each writer accepts at most `recordsPerSecond / parallelism` records per
 * second. The source suite uses it to slow any source under test down through backpressure, so
 * savepoints, rescales and kills land mid-stream without the connector needing a rate option.
 * Everything else (committer, writer state, serializers) is the wrapped sink's.
 */
export function throttledSink<T>(inner: Sink<T>, recordsPerSecond: number): Sink<T> {
  const wrap = (writer: SinkWriter<T>, ctx: WriterInitContext): SinkWriter<T> =>
    new ThrottledWriter(writer, recordsPerSecond / ctx.parallelism);
  const sink: Record<string, unknown> = {
    createWriter: async (ctx: WriterInitContext) => wrap(await inner.createWriter(ctx), ctx),
  };
  if (supportsWriterState<T, unknown>(inner)) {
    sink.restoreWriter = async (ctx: WriterInitContext, states: readonly unknown[]) =>
      wrap(await inner.restoreWriter(ctx, states), ctx);
    sink.writerStateSerializer = inner.writerStateSerializer;
  }
  if (supportsCommitter(inner)) {
    sink.createCommitter = inner.createCommitter.bind(inner);
    sink.committableSerializer = inner.committableSerializer;
  }
  return sink as unknown as Sink<T>;
}

class ThrottledWriter<T> implements SinkWriter<T> {
  constructor(
    private readonly inner: SinkWriter<T>,
    private readonly ratePerSecond: number,
  ) {
    // Forward the optional phases only when the wrapped writer has them: the runtime detects
    // committing and stateful writers by the presence of these methods.
    const self = this as unknown as Record<string, unknown>;
    if (isCommittingWriter(inner)) self.prepareCommit = () => inner.prepareCommit();
    if (isStatefulWriter(inner)) self.snapshotState = (id: number) => inner.snapshotState(id);
    if (inner.writeWatermark) self.writeWatermark = (w: number) => inner.writeWatermark?.(w);
  }

  async write(batch: readonly T[], ctx: SinkWriterContext): Promise<void> {
    await this.inner.write(batch, ctx);
    await sleep((batch.length * 1000) / this.ratePerSecond);
  }

  flush(endOfInput: boolean): Promise<void> {
    return this.inner.flush(endOfInput);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
