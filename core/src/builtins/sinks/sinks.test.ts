import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  type CommitRequest,
  type Committer,
  type CommittingSinkWriter,
  isCommittingWriter,
  supportsCommitter,
} from '../../api/sink.js';
import { hasErrorCode } from '../../errors/tributary-error.js';
import { silentLogger } from '../../logging/logger.js';
import { CommitterMetricGroup } from '../../metrics/metric-groups.js';
import { MetricRegistry } from '../../metrics/metric-registry.js';
import { fakeWriterContext } from '../testing-fixtures/fake-contexts.js';
import { CollectSink, type CollectSinkCommittable } from './collect-sink.js';
import { DiscardingSink } from './discarding-sink.js';
import { formatRecord, PrintSink } from './print-sink.js';

const writeCtx = { currentWatermark: undefined, timestamp: () => undefined };

type Outcome = 'ok' | 'already' | 'known' | 'unknown' | 'retry';
async function commitAll<C>(committer: Committer<C>, committables: readonly C[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = committables.map(() => 'ok');
  const requests: CommitRequest<C>[] = committables.map((committable, i) => ({
    committable,
    numberOfRetries: 0,
    signalFailedWithKnownReason: () => {
      outcomes[i] = 'known';
    },
    signalFailedWithUnknownReason: () => {
      outcomes[i] = 'unknown';
    },
    retryLater: () => {
      outcomes[i] = 'retry';
    },
    updateAndRetryLater: () => {
      outcomes[i] = 'retry';
    },
    signalAlreadyCommitted: () => {
      outcomes[i] = 'already';
    },
  }));
  await committer.commit(requests);
  return outcomes;
}

describe('PrintSink', () => {
  it('prints one prefixed line per record to a function target', async () => {
    const lines: string[] = [];
    const sink = new PrintSink<unknown>({ identifier: 'orders', target: (l) => lines.push(l) });
    const ctx = fakeWriterContext({ subtaskId: 2, parallelism: 3 });
    const writer = await sink.createWriter(ctx);
    await writer.write(['plain', { id: 1 }, 5n], writeCtx);
    expect(lines).toEqual(['orders:2> plain', 'orders:2> {"id":1}', 'orders:2> 5']);
    expect(ctx.metricGroup.numRecordsSend.count).toBe(3);
  });

  it('writes one chunk per batch to a stream and honours a custom format', async () => {
    const stream = new PassThrough();
    const chunks: string[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c.toString()));
    const sink = new PrintSink<{ id: number }>({ target: stream, format: (r) => `#${r.id}` });
    const writer = await sink.createWriter(fakeWriterContext());
    await writer.write([{ id: 1 }, { id: 2 }], writeCtx);
    await writer.flush(true);
    await writer.close();
    expect(chunks).toEqual(['0> #1\n0> #2\n']);
  });

  it('waits for drain when the stream buffers too much', async () => {
    const stream = new PassThrough({ highWaterMark: 8 });
    const sink = new PrintSink<string>({ target: stream });
    const writer = await sink.createWriter(fakeWriterContext());
    let done = false;
    const pending = writer.write(['a long line that exceeds the buffer'], writeCtx).then(() => {
      done = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    stream.resume(); // the consumer reads: 'drain' follows
    await pending;
    expect(done).toBe(true);
  });

  it('formats cyclic values without throwing and rejects bad options', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(formatRecord(cyclic)).toBe('[object Object]');
    expect(formatRecord(undefined)).toBe('undefined');
    expect(() => new PrintSink({ target: 42 as unknown as 'stdout' })).toThrow(/print\.sink\.target/);
  });
});

describe('DiscardingSink', () => {
  it('counts records in numRecordsSend (and numRecordsOut)', async () => {
    const ctx = fakeWriterContext();
    const writer = await new DiscardingSink<number>().createWriter(ctx);
    await writer.write([1, 2, 3], writeCtx);
    await writer.write([4], writeCtx);
    expect(ctx.metricGroup.numRecordsSend.count).toBe(4);
    expect(ctx.metricGroup.numRecordsOut.count).toBe(4);
  });
});

describe('CollectSink', () => {
  it('at-least-once: records are visible at once, per subtask, and a replay duplicates them', async () => {
    using out = CollectSink.create<number>();
    const w0 = await out.sink.createWriter(fakeWriterContext({ subtaskId: 0 }));
    const w1 = await out.sink.createWriter(fakeWriterContext({ subtaskId: 1 }));
    await w0.write([1, 2], writeCtx);
    await w1.write([10], writeCtx);
    expect(out.results()).toEqual([1, 2, 10]);
    expect(out.resultsBySubtask()).toEqual(
      new Map([
        [0, [1, 2]],
        [1, [10]],
      ]),
    );
    // A restart replays the records since the last checkpoint: duplicates, nothing lost.
    const again = await out.sink.createWriter(fakeWriterContext({ subtaskId: 0, attemptNumber: 1 }));
    await again.write([2], writeCtx);
    expect(out.results()).toEqual([1, 2, 10, 2]);
    expect(out.size).toBe(4);
  });

  it('exactly-once: visible only after commit, re-commits ignored, failed attempts never visible', async () => {
    using out = CollectSink.create<string>({ deliveryGuarantee: 'exactly-once' });
    expect(supportsCommitter(out.sink)).toBe(true);
    const writer = await out.sink.createWriter(fakeWriterContext());
    expect(isCommittingWriter(writer)).toBe(true);
    const w = writer as CommittingSinkWriter<string, CollectSinkCommittable>;
    const committer = await out.sink.createCommitter({
      metricGroup: new CommitterMetricGroup(new MetricRegistry(), {}),
      logger: silentLogger,
      jobId: 'test-job',
    });
    await w.write(['a', 'b'], writeCtx);
    await w.flush(false);
    const cp1 = await w.prepareCommit();
    expect(out.results()).toEqual([]);
    expect(await w.prepareCommit()).toEqual([]); // nothing new: no empty batch
    // The committable travels through the serializer like in a real checkpoint.
    const ser = out.sink.committableSerializer;
    const restored = cp1.map((c) => ser.deserialize(ser.version, ser.serialize(c)));
    expect(await commitAll(committer, restored)).toEqual(['ok']);
    expect(out.results()).toEqual(['a', 'b']);
    expect(await commitAll(committer, restored)).toEqual(['already']);
    // Written after the last checkpoint, then the attempt failed: never committed, never visible.
    await w.write(['lost'], writeCtx);
    await w.close();
    const next = (await out.sink.createWriter(
      fakeWriterContext({ attemptNumber: 1 }),
    )) as CommittingSinkWriter<string, CollectSinkCommittable>;
    await next.write(['c'], writeCtx);
    expect(await commitAll(committer, await next.prepareCommit())).toEqual(['ok']);
    expect(out.results()).toEqual(['a', 'b', 'c']);
  });

  it('waitForCount resolves when enough records arrived and times out with a typed error', async () => {
    using out = CollectSink.create<number>();
    const writer = await out.sink.createWriter(fakeWriterContext());
    const waiting = out.waitForCount(3);
    await writer.write([1, 2], writeCtx);
    await writer.write([3], writeCtx);
    expect(await waiting).toEqual([1, 2, 3]);
    await expect(out.waitForCount(10, { timeoutMs: 20 })).rejects.toMatchObject({
      code: 'TRIB_COLLECT_SINK_TIMEOUT',
    });
  });

  it('fails loudly when the collector is gone', async () => {
    const out = CollectSink.create<number>();
    out.dispose();
    try {
      await out.sink.createWriter(fakeWriterContext());
      expect.unreachable();
    } catch (error) {
      expect(hasErrorCode(error, 'TRIB_COLLECT_SINK_UNKNOWN')).toBe(true);
    }
  });
});
