import { setTimeout as delay } from 'node:timers/promises';
import {
  type CommitterInitContext,
  type CommittingSinkWriter,
  isCommittingWriter,
  type Sink,
  type SinkWriter,
  type SupportsCommitter,
  supportsCommitter,
  type VersionedSerializer,
  type WriterInitContext,
} from '@tributary/core';

/** Wraps a committing sink so each `write` first waits `delayMs`: a slow sink, so jobs can be stopped mid-stream. */
export function slowSink<T, C>(
  inner: Sink<T> & SupportsCommitter<C>,
  delayMs: number,
): Sink<T> & SupportsCommitter<C> {
  if (!supportsCommitter(inner)) throw new Error('slowSink needs a committing sink');
  return {
    committableSerializer: inner.committableSerializer as VersionedSerializer<C>,
    createCommitter: (ctx: CommitterInitContext) => inner.createCommitter(ctx),
    createWriter: async (ctx: WriterInitContext): Promise<SinkWriter<T>> => {
      const writer = await inner.createWriter(ctx);
      if (!isCommittingWriter<T, C>(writer)) throw new Error('slowSink needs a committing writer');
      const slow: CommittingSinkWriter<T, C> = {
        write: async (batch, wctx) => {
          await delay(delayMs);
          await writer.write(batch, wctx);
        },
        flush: (end) => writer.flush(end),
        prepareCommit: () => writer.prepareCommit(),
        close: () => writer.close(),
      };
      return slow;
    },
  };
}
