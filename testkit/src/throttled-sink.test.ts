import {
  DiscardingSink,
  isCommittingWriter,
  isStatefulWriter,
  type Sink,
  type SinkWriter,
  supportsCommitter,
  supportsWriterState,
  TwoPhaseCommitTestSink,
} from '@tributary/core';
import { fakeWriterContext } from '@tributary/core/testing';
import { describe, expect, it, vi } from 'vitest';
import { throttledSink } from './throttled-sink.js';

const writerCtx = { currentWatermark: undefined, timestamp: () => undefined };

describe('throttledSink', () => {
  it('keeps the committer, writer state and writer phases of a two-phase-commit sink', async () => {
    const inner = new TwoPhaseCommitTestSink<number>({ directory: '/tmp/unused-throttle-test' });
    const sink = throttledSink<number>(inner, 1000);
    expect(supportsCommitter(sink)).toBe(true);
    expect(supportsWriterState(sink)).toBe(true);
    expect((sink as unknown as typeof inner).committableSerializer).toBe(inner.committableSerializer);
    const fake: Sink<number> = {
      createWriter: () =>
        ({
          write: async () => {},
          flush: async () => {},
          close: async () => {},
          prepareCommit: async () => ['c'],
          snapshotState: async () => ['s'],
        }) as SinkWriter<number>,
    };
    const writer = await throttledSink(fake, 1000).createWriter(fakeWriterContext());
    expect(isCommittingWriter(writer) && (await writer.prepareCommit())).toEqual(['c']);
    expect(isStatefulWriter(writer) && (await writer.snapshotState(1))).toEqual(['s']);
  });

  it('adds no committer or state to a sink without them, and forwards no absent phase', async () => {
    const sink = throttledSink(new DiscardingSink<number>(), 1000);
    expect(supportsCommitter(sink)).toBe(false);
    expect(supportsWriterState(sink)).toBe(false);
    const writer = await sink.createWriter(fakeWriterContext());
    expect(isCommittingWriter(writer)).toBe(false);
    expect(isStatefulWriter(writer)).toBe(false);
  });

  it('holds each writer to its share of the rate after writing a batch', async () => {
    vi.useFakeTimers();
    try {
      const written: number[][] = [];
      const inner: Sink<number> = {
        createWriter: () => ({
          write: async (batch) => {
            written.push([...batch]);
          },
          flush: async () => {},
          close: async () => {},
        }),
      };
      // 100 records/s over parallelism 2 = 50/s per writer: 10 records take 200 ms.
      const writer = await throttledSink(inner, 100).createWriter(fakeWriterContext({ parallelism: 2 }));
      let done = false;
      const pending = writer.write([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], writerCtx).then(() => {
        done = true;
      });
      await vi.advanceTimersByTimeAsync(199);
      expect(written).toEqual([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]);
      expect(done).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await pending;
      expect(done).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
