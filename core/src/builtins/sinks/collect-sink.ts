import { randomUUID } from 'node:crypto';
import type {
  CommitRequest,
  Committer,
  CommitterInitContext,
  CommittingSinkWriter,
  Sink,
  SupportsCommitter,
  WriterInitContext,
} from '../../api/sink.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { jsonSerializer, type VersionedSerializer } from '../../serialization/versioned-serializer.js';
import { BuiltinErrorCodes } from '../builtin-error-codes.js';
import { Collector, type CollectorView } from './collector.js';

/** Delivery guarantees a {@link CollectSink} offers. */
export type CollectSinkGuarantee = 'at-least-once' | 'exactly-once';

/** What an exactly-once {@link CollectSink} writer hands to the committer: a staged batch's id. */
export interface CollectSinkCommittable {
  readonly collectorId: string;
  readonly commitId: string;
}

/** What {@link CollectSink.create} returns: the sink and the in-process view of its results. */
export interface CollectSinkHandle<T> extends CollectorView<T>, Disposable {
  readonly sink: CollectSink<T>;
}

/** Options of {@link CollectSink.create}. */
export interface CollectSinkOptions {
  /** Default `'at-least-once'`. */
  readonly deliveryGuarantee?: CollectSinkGuarantee;
}

/**
 * Collects records in memory, for tests: `CollectSink.create()` returns the sink and a handle to
 * read what arrived (`results()`, `waitForCount(n)`). The sink object holds only the collector id,
 * so it works wherever the writers run **in the same process** as the handle; a writer elsewhere
 * fails with `TRIB_COLLECT_SINK_UNKNOWN` rather than silently collecting nothing.
 *
 * Guarantees, stated honestly:
 * - `at-least-once` (default): records are visible as soon as they are written. After a failure
 *   the job restarts from its last checkpoint and writes the records since then again, so
 *   duplicates are expected; nothing is lost.
 * - `exactly-once`: records are staged per checkpoint and become visible only when the runtime
 *   commits that checkpoint; re-commits after a restore are recognised by id and ignored, and
 *   batches of a failed attempt are never committed. Visibility lags by one checkpoint.
 *
 * @example
 * ```ts
 * using out = CollectSink.create<number>();
 * await runJob(source, out.sink);
 * expect(out.results()).toEqual([1, 2, 3]);
 * ```
 */
export class CollectSink<T>
  implements Sink<T, CollectSinkCommittable>, SupportsCommitter<CollectSinkCommittable>
{
  readonly committableSerializer: VersionedSerializer<CollectSinkCommittable> =
    jsonSerializer<CollectSinkCommittable>({ name: 'CollectSinkCommittable' });

  constructor(
    /** The collector's id in this process (see {@link CollectSink.create}). */
    readonly collectorId: string,
    readonly deliveryGuarantee: CollectSinkGuarantee = 'at-least-once',
  ) {}

  /** Creates a collector and a sink writing into it. Dispose the handle to free the records. */
  static create<T>(options: CollectSinkOptions = {}): CollectSinkHandle<T> {
    const collector = Collector.register<T>(`collect-${randomUUID()}`);
    const sink = new CollectSink<T>(collector.id, options.deliveryGuarantee ?? 'at-least-once');
    const view = collector.view();
    return Object.assign(view, {
      sink,
      [Symbol.dispose]: () => view.dispose(),
    });
  }

  createWriter(ctx: WriterInitContext): CommittingSinkWriter<T, CollectSinkCommittable> {
    const collector = Collector.lookup<T>(this.collectorId);
    return this.deliveryGuarantee === 'exactly-once'
      ? new StagingCollectWriter<T>(collector, ctx)
      : new DirectCollectWriter<T>(collector, ctx);
  }

  createCommitter(_ctx?: CommitterInitContext): Committer<CollectSinkCommittable> {
    return new CollectCommitter();
  }
}

/** At-least-once: records are visible at once. */
class DirectCollectWriter<T> implements CommittingSinkWriter<T, CollectSinkCommittable> {
  constructor(
    private readonly collector: Collector<T>,
    private readonly ctx: WriterInitContext,
  ) {}

  async write(batch: readonly T[]): Promise<void> {
    this.collector.append(this.ctx.subtaskId, batch);
    this.ctx.metricGroup.numRecordsSend.inc(batch.length);
  }
  async flush(): Promise<void> {}
  async prepareCommit(): Promise<CollectSinkCommittable[]> {
    return [];
  }
  async close(): Promise<void> {}
}

/** Exactly-once: a batch per checkpoint, staged in the collector until committed. */
class StagingCollectWriter<T> implements CommittingSinkWriter<T, CollectSinkCommittable> {
  private buffer: T[] = [];
  private seq = 0;
  /** Unique per writer instance, so ids of a restarted attempt never collide with older ones. */
  private readonly instance = randomUUID().slice(0, 8);

  constructor(
    private readonly collector: Collector<T>,
    private readonly ctx: WriterInitContext,
  ) {}

  async write(batch: readonly T[]): Promise<void> {
    for (const record of batch) this.buffer.push(record);
    this.ctx.metricGroup.numRecordsSend.inc(batch.length);
  }
  async flush(): Promise<void> {}
  async prepareCommit(): Promise<CollectSinkCommittable[]> {
    if (this.buffer.length === 0) return [];
    const { jobId, subtaskId, attemptNumber } = this.ctx;
    const commitId = `${jobId}/${subtaskId}/${attemptNumber}/${this.instance}/${this.seq++}`;
    this.collector.stage(commitId, subtaskId, this.buffer);
    this.buffer = [];
    return [{ collectorId: this.collector.id, commitId }];
  }
  async close(): Promise<void> {
    this.buffer = [];
  }
}

class CollectCommitter implements Committer<CollectSinkCommittable> {
  async commit(requests: readonly CommitRequest<CollectSinkCommittable>[]): Promise<void> {
    for (const request of requests) {
      const { collectorId, commitId } = request.committable;
      let outcome: 'committed' | 'already' | 'missing';
      try {
        outcome = Collector.lookup(collectorId).commit(commitId);
      } catch (error) {
        request.signalFailedWithUnknownReason(error);
        continue;
      }
      if (outcome === 'already') request.signalAlreadyCommitted();
      else if (outcome === 'missing') {
        request.signalFailedWithUnknownReason(
          new TributaryError(
            BuiltinErrorCodes.COLLECT_SINK_UNKNOWN,
            `CollectSink batch ${commitId} is not staged in this process (was the collector cleared?)`,
            { context: { collectorId, commitId } },
          ),
        );
      }
    }
  }
  async close(): Promise<void> {}
}
