import {
  type CommitRequest,
  type Committer,
  type CommitterInitContext,
  isCommittingWriter,
  isStatefulWriter,
  type Sink,
  type SinkWriter,
  type SinkWriterContext,
  type SupportsCommitter,
  type SupportsWriterState,
  supportsCommitter,
  supportsWriterState,
  type WriterInitContext,
} from '../../api/sink.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { jsonSerializer, type VersionedSerializer } from '../../serialization/versioned-serializer.js';

/** Error codes of {@link RoutingSink}. */
export const RoutingSinkErrorCodes = {
  /** The route function returned a name that is not one of the sink's routes. */
  UNKNOWN_ROUTE: 'TRIB_ROUTING_UNKNOWN_ROUTE',
} as const;

/** A committable of one route, tagged with the route's name. */
export interface RoutedCommittable {
  readonly route: string;
  /** The route sink's committable, serialized with its own serializer. */
  readonly version: number;
  readonly bytes: Uint8Array;
}

/** Writer state of a {@link RoutingSink} subtask: each route writer's states, serialized by the route sink. */
export interface RoutingWriterState {
  readonly routes: Readonly<Record<string, { readonly version: number; readonly states: Uint8Array[] }>>;
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
const unb64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));

const routedCommittableSerializer = jsonSerializer<RoutedCommittable>({
  name: 'RoutedCommittable',
  toJson: (c) => ({ route: c.route, version: c.version, bytes: b64(c.bytes) }),
  fromJson: (json) => {
    const j = json as { route: string; version: number; bytes: string };
    return { route: j.route, version: j.version, bytes: unb64(j.bytes) };
  },
});

const routingStateSerializer = jsonSerializer<RoutingWriterState>({
  name: 'RoutingWriterState',
  toJson: (s) =>
    Object.fromEntries(
      Object.entries(s.routes).map(([k, v]) => [k, { version: v.version, states: v.states.map(b64) }]),
    ),
  fromJson: (json) => {
    const j = json as Record<string, { version: number; states: string[] }>;
    return {
      routes: Object.fromEntries(
        Object.entries(j).map(([k, v]) => [k, { version: v.version, states: v.states.map(unb64) }]),
      ),
    };
  },
});

/**
 * Sends each record to one of several sinks, chosen by a function: e.g. valid records to a
 * Parquet `FileSink` and rejected ones to a JSON Lines dead-letter `FileSink`, in one job with one
 * set of checkpoints. Every route keeps its own writer per subtask (with its own state) and its
 * own committer, so each route keeps its delivery guarantee, exactly-once included: committables
 * and writer states are tagged with the route name and handed back to the route they came from.
 *
 * Metrics: each route's writer counts under an extra `route` label (`numRecordsSend{route="deadLetters"}`)
 * and into the sink's own series, which stays the total over all routes.
 *
 * Route names are part of the checkpoint: renaming a route orphans its state. Writers of every
 * route are created when the subtask starts (so their recovery, e.g. orphan cleanup, always runs).
 */
export class RoutingSink<T>
  implements Sink<T>, SupportsCommitter<RoutedCommittable>, SupportsWriterState<T, RoutingWriterState>
{
  readonly committableSerializer: VersionedSerializer<RoutedCommittable> = routedCommittableSerializer;
  readonly writerStateSerializer: VersionedSerializer<RoutingWriterState> = routingStateSerializer;

  /**
   * @param routes the sinks by route name.
   * @param route picks the route of a record; must return one of the names in `routes`.
   */
  constructor(
    private readonly routes: Readonly<Record<string, Sink<T>>>,
    private readonly route: (record: T) => string,
  ) {}

  createWriter(ctx: WriterInitContext): Promise<SinkWriter<T>> {
    return this.restoreWriter(ctx, []);
  }

  async restoreWriter(
    ctx: WriterInitContext,
    recoveredState: readonly RoutingWriterState[],
  ): Promise<SinkWriter<T>> {
    const writers = new Map<string, SinkWriter<T>>();
    for (const [name, sink] of Object.entries(this.routes)) {
      // Each route counts under its own `route` label (and into the sink's total), so the
      // records of a dead-letter route are visible apart from the valid ones.
      const routeCtx: WriterInitContext = { ...ctx, metricGroup: ctx.metricGroup.breakdown('route', name) };
      // After a rescale one subtask may receive the states of several old subtasks.
      const states: unknown[] = [];
      if (supportsWriterState(sink)) {
        for (const state of recoveredState) {
          const own = state.routes[name];
          if (own === undefined) continue;
          for (const bytes of own.states)
            states.push(sink.writerStateSerializer.deserialize(own.version, bytes));
        }
      }
      const writer =
        states.length > 0 && supportsWriterState(sink)
          ? await sink.restoreWriter(routeCtx, states)
          : await sink.createWriter(routeCtx);
      writers.set(name, writer);
    }
    return new RoutingSinkWriter(this.routes, writers, this.route);
  }

  async createCommitter(ctx: CommitterInitContext): Promise<Committer<RoutedCommittable>> {
    const committers = new Map<string, { committer: Committer<unknown>; sink: SupportsCommitter<unknown> }>();
    for (const [name, sink] of Object.entries(this.routes)) {
      if (supportsCommitter(sink)) committers.set(name, { committer: await sink.createCommitter(ctx), sink });
    }
    return new RoutingCommitter(committers);
  }
}

class RoutingSinkWriter<T> implements SinkWriter<T> {
  private readonly names: string[];
  private readonly buckets: { records: T[]; indices: number[] }[];

  constructor(
    private readonly sinks: Readonly<Record<string, Sink<T>>>,
    private readonly writers: Map<string, SinkWriter<T>>,
    private readonly route: (record: T) => string,
  ) {
    this.names = [...writers.keys()];
    this.buckets = this.names.map(() => ({ records: [], indices: [] }));
  }

  async write(batch: readonly T[], ctx: SinkWriterContext): Promise<void> {
    const index = new Map(this.names.map((n, i) => [n, i]));
    for (const b of this.buckets) {
      b.records = [];
      b.indices = [];
    }
    for (let i = 0; i < batch.length; i++) {
      const record = batch[i] as T;
      const name = this.route(record);
      const at = index.get(name);
      if (at === undefined) {
        throw new TributaryError(RoutingSinkErrorCodes.UNKNOWN_ROUTE, `Unknown route '${name}'`, {
          context: { route: name, routes: this.names, index: i },
        });
      }
      const bucket = this.buckets[at] as { records: T[]; indices: number[] };
      bucket.records.push(record);
      bucket.indices.push(i);
    }
    for (let r = 0; r < this.names.length; r++) {
      const bucket = this.buckets[r] as { records: T[]; indices: number[] };
      if (bucket.records.length === 0) continue;
      const indices = bucket.indices;
      const sub: SinkWriterContext = {
        currentWatermark: ctx.currentWatermark,
        timestamp: (j) => ctx.timestamp(indices[j] as number),
      };
      await (this.writers.get(this.names[r] as string) as SinkWriter<T>).write(bucket.records, sub);
    }
  }

  async flush(endOfInput: boolean): Promise<void> {
    for (const w of this.writers.values()) await w.flush(endOfInput);
  }

  async writeWatermark(watermark: number): Promise<void> {
    for (const w of this.writers.values()) await w.writeWatermark?.(watermark);
  }

  async prepareCommit(): Promise<RoutedCommittable[]> {
    const out: RoutedCommittable[] = [];
    for (const [name, w] of this.writers) {
      if (!isCommittingWriter(w)) continue;
      const sink = this.sinks[name];
      if (sink === undefined || !supportsCommitter(sink)) continue;
      for (const c of await w.prepareCommit()) {
        out.push({
          route: name,
          version: sink.committableSerializer.version,
          bytes: sink.committableSerializer.serialize(c),
        });
      }
    }
    return out;
  }

  async snapshotState(checkpointId: number): Promise<RoutingWriterState[]> {
    const routes: Record<string, { version: number; states: Uint8Array[] }> = {};
    for (const [name, w] of this.writers) {
      const sink = this.sinks[name];
      if (!isStatefulWriter(w) || sink === undefined || !supportsWriterState(sink)) continue;
      const states = await w.snapshotState(checkpointId);
      routes[name] = {
        version: sink.writerStateSerializer.version,
        states: states.map((s) => sink.writerStateSerializer.serialize(s)),
      };
    }
    return [{ routes }];
  }

  async close(): Promise<void> {
    let first: unknown;
    for (const w of this.writers.values()) {
      try {
        await w.close();
      } catch (error) {
        first ??= error;
      }
    }
    if (first !== undefined) throw first;
  }
}

class RoutingCommitter implements Committer<RoutedCommittable> {
  constructor(
    private readonly committers: Map<
      string,
      { committer: Committer<unknown>; sink: SupportsCommitter<unknown> }
    >,
  ) {}

  async commit(requests: readonly CommitRequest<RoutedCommittable>[]): Promise<void> {
    const byRoute = new Map<string, CommitRequest<unknown>[]>();
    for (const request of requests) {
      const { route } = request.committable;
      const entry = this.committers.get(route);
      if (entry === undefined) {
        request.signalFailedWithUnknownReason(
          new TributaryError(RoutingSinkErrorCodes.UNKNOWN_ROUTE, `No committer for route '${route}'`, {
            context: { route, routes: [...this.committers.keys()] },
          }),
        );
        continue;
      }
      const serializer = entry.sink.committableSerializer;
      const inner: CommitRequest<unknown> = {
        committable: serializer.deserialize(request.committable.version, request.committable.bytes),
        numberOfRetries: request.numberOfRetries,
        signalFailedWithKnownReason: (e) => request.signalFailedWithKnownReason(e),
        signalFailedWithUnknownReason: (e) => request.signalFailedWithUnknownReason(e),
        retryLater: () => request.retryLater(),
        updateAndRetryLater: (c) =>
          request.updateAndRetryLater({ route, version: serializer.version, bytes: serializer.serialize(c) }),
        signalAlreadyCommitted: () => request.signalAlreadyCommitted(),
      };
      const list = byRoute.get(route);
      if (list === undefined) byRoute.set(route, [inner]);
      else list.push(inner);
    }
    for (const [route, list] of byRoute) await this.committers.get(route)?.committer.commit(list);
  }

  async close(): Promise<void> {
    let first: unknown;
    for (const { committer } of this.committers.values()) {
      try {
        await committer.close();
      } catch (error) {
        first ??= error;
      }
    }
    if (first !== undefined) throw first;
  }
}
