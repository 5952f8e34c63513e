import type {
  AnySource,
  InputStatus,
  ReaderInfo,
  ReaderOutput,
  SourceEvent,
  SourceOutput,
  SourceReader,
  SourceReaderContext,
  SourceSplit,
  SplitEnumerator,
  SplitEnumeratorContext,
} from '../../api/source.js';
import { silentLogger } from '../../logging/logger.js';
import { SourceReaderMetricGroup, SplitEnumeratorMetricGroup } from '../../metrics/metric-groups.js';
import { MetricRegistry } from '../../metrics/metric-registry.js';
import {
  deserializeVersioned,
  serializeVersioned,
  type VersionedBytes,
} from '../../serialization/versioned-serializer.js';

/**
 * Test-only stand-ins for the runtime around one source: an enumerator on a "coordinator" and N
 * readers, connected by FIFO message queues. Splits cross the queues serialized with the source's
 * split serializer and events as JSON, like the real runtime, so serialization bugs show up here.
 */

/** A record a reader emitted, with its timestamp and the split output it came through. */
export interface CollectedRecord<T> {
  readonly value: T;
  readonly timestamp: number | undefined;
  readonly splitId: string | undefined;
  /** Emission order across all outputs sharing one ticket counter. */
  readonly seq: number;
}

/** A `ReaderOutput` that keeps everything emitted. */
export class CollectingReaderOutput<T> implements ReaderOutput<T> {
  readonly records: CollectedRecord<T>[] = [];
  readonly released: string[] = [];
  readonly watermarks: number[] = [];

  constructor(private readonly ticket: () => number = counter()) {}

  collect(value: T, timestamp?: number): void {
    this.records.push({ value, timestamp, splitId: undefined, seq: this.ticket() });
  }
  emitWatermark(watermark: number): void {
    this.watermarks.push(watermark);
  }
  markIdle(): void {}
  markActive(): void {}
  createOutputForSplit(splitId: string): SourceOutput<T> {
    return {
      collect: (value: T, timestamp?: number) =>
        this.records.push({ value, timestamp, splitId, seq: this.ticket() }),
      emitWatermark: (w: number) => this.watermarks.push(w),
      markIdle: () => {},
      markActive: () => {},
    };
  }
  releaseOutputForSplit(splitId: string): void {
    this.released.push(splitId);
  }
  values(): T[] {
    return this.records.map((r) => r.value);
  }
}

function counter(): () => number {
  let n = 0;
  return () => n++;
}

type ToReader =
  | { kind: 'splits'; splits: VersionedBytes[] }
  | { kind: 'noMoreSplits' }
  | { kind: 'event'; event: SourceEvent };

type ToCoordinator =
  | { kind: 'event'; subtask: number; event: SourceEvent }
  | { kind: 'request'; subtask: number };

/** A checkpoint of the source: the enumerator state and each reader's splits, serialized. */
export interface SourceSnapshot {
  readonly checkpointId: number;
  readonly enumerator: VersionedBytes;
  readonly readers: readonly (readonly VersionedBytes[])[];
}

export interface HarnessOptions {
  readonly parallelism: number;
  readonly restore?: SourceSnapshot;
  /** Bounds a run that makes no progress (a reader that never becomes available). */
  readonly stuckTimeoutMs?: number;
}

const json = (event: SourceEvent): SourceEvent => JSON.parse(JSON.stringify(event)) as SourceEvent;

/** Runs one source's enumerator and readers in-process, the way the runtime wires them. */
export class SourceHarness<T> {
  readonly outputs: CollectingReaderOutput<T>[] = [];
  readonly pollCounts: number[] = [];
  readonly finished: boolean[] = [];
  /** Every message a reader received, in order (for protocol assertions). */
  readonly received: ToReader[][] = [];
  readonly readers: SourceReader<T, SourceSplit>[] = [];
  enumerator!: SplitEnumerator<SourceSplit, unknown>;
  readonly registry = new MetricRegistry();
  private readonly toReaders: ToReader[][] = [];
  private readonly toCoordinator: ToCoordinator[] = [];
  private readonly coordinatorActions: (() => void)[] = [];
  private readonly registered = new Map<number, ReaderInfo>();
  private readonly ready: boolean[] = [];
  private readonly waits: (Promise<number> | undefined)[] = [];
  private failure: unknown;
  private readonly ticket = counter();
  private onCoordinatorAction: (() => void) | undefined;

  private constructor(
    readonly source: AnySource<T>,
    readonly options: HarnessOptions,
  ) {}

  /**
   * Creates (or restores) the enumerator and the readers; per reader, in the runtime's order:
   * restored splits → registration with the enumerator → `start()`.
   */
  static async start<T>(source: AnySource<T>, options: HarnessOptions): Promise<SourceHarness<T>> {
    const h = new SourceHarness(source, options);
    const ctx = h.enumeratorContext();
    const restore = options.restore;
    h.enumerator = restore
      ? source.restoreEnumerator(
          ctx,
          deserializeVersioned(source.enumeratorStateSerializer, restore.enumerator),
        )
      : source.createEnumerator(ctx);
    await h.enumerator.start();
    const restored = h.redistribute(restore);
    for (let s = 0; s < options.parallelism; s++) {
      h.toReaders.push([]);
      h.received.push([]);
      h.outputs.push(new CollectingReaderOutput<T>(h.ticket));
      h.pollCounts.push(0);
      h.finished.push(false);
      h.ready.push(true);
      h.waits.push(undefined);
      const reader = source.createReader(h.readerContext(s)) as SourceReader<T, SourceSplit>;
      h.readers.push(reader);
      const splits = (restored[s] ?? []).map((b) => deserializeVersioned(source.splitSerializer, b));
      if (splits.length > 0) reader.addSplits(splits);
      h.registered.set(s, { subtaskId: s, location: 'local' });
      h.enumerator.addReader(s);
      await reader.start();
    }
    h.deliver();
    return h;
  }

  /** Delivers queued messages both ways until nothing is left. */
  deliver(): void {
    this.deliverQueues(true);
  }

  private deliverToReaders(): void {
    this.deliverQueues(false);
  }

  private deliverQueues(toCoordinator: boolean): void {
    for (;;) {
      const action = this.coordinatorActions.shift();
      if (action) {
        action();
        continue;
      }
      const up = toCoordinator ? this.toCoordinator.shift() : undefined;
      if (up) {
        if (up.kind === 'event') this.enumerator.handleSourceEvent?.(up.subtask, json(up.event));
        else this.enumerator.handleSplitRequest(up.subtask);
        continue;
      }
      const s = this.toReaders.findIndex((q) => q.length > 0);
      if (s < 0) break;
      const message = (this.toReaders[s] as ToReader[]).shift() as ToReader;
      (this.received[s] as ToReader[]).push(message);
      const reader = this.readers[s] as SourceReader<T, SourceSplit>;
      if (message.kind === 'splits') {
        reader.addSplits(message.splits.map((b) => deserializeVersioned(this.source.splitSerializer, b)));
      } else if (message.kind === 'noMoreSplits') reader.notifyNoMoreSplits();
      else reader.handleSourceEvent?.(message.event);
      // The runtime's subtask loop wakes on any mailbox message.
      this.ready[s] = true;
    }
    if (this.failure !== undefined) throw this.failure;
  }

  /**
   * Polls every ready reader in turn; a reader that says 'nothing' waits for its `isAvailable()`.
   * Stops when `until()` holds or every reader ended. Throws when no reader can make progress.
   */
  async run(until?: () => boolean): Promise<void> {
    const stuckMs = this.options.stuckTimeoutMs ?? 5000;
    for (;;) {
      this.deliver();
      if (until?.() || this.finished.every(Boolean)) return;
      let polled = false;
      for (let s = 0; s < this.readers.length; s++) {
        if (this.finished[s] || !this.ready[s]) continue;
        polled = true;
        const status = this.poll(s);
        if (status === 'end') this.finished[s] = true;
        else if (status === 'nothing') this.waitFor(s);
        this.deliver();
        if (until?.()) return;
      }
      if (polled) continue;
      const pending = this.waits.filter((w, s) => w !== undefined && !this.finished[s]) as Promise<number>[];
      // The coordinator works on its own: async enumerator work may queue actions meanwhile.
      const coordinator = new Promise<number>((resolve) => {
        this.onCoordinatorAction = () => resolve(-1);
      });
      let timer: NodeJS.Timeout | undefined;
      const stuck = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`harness stuck: no reader available for ${stuckMs}ms`)),
          stuckMs,
        );
      });
      try {
        const s = await Promise.race([...pending, coordinator, stuck]);
        if (s >= 0) {
          this.ready[s] = true;
          this.waits[s] = undefined;
        }
      } finally {
        clearTimeout(timer);
        this.onCoordinatorAction = undefined;
      }
    }
  }

  /** Runs until `n` records were emitted in total. */
  runUntilCount(n: number): Promise<void> {
    return this.run(() => this.count() >= n);
  }

  /** One `pollNext` of subtask `s` (counted). */
  poll(s: number): InputStatus {
    (this.pollCounts as number[])[s] = (this.pollCounts[s] ?? 0) + 1;
    return (this.readers[s] as SourceReader<T, SourceSplit>).pollNext(
      this.outputs[s] as CollectingReaderOutput<T>,
    );
  }

  /**
   * Takes a checkpoint: messages to readers are delivered first (they precede the barrier). With
   * `holdReaderEvents`, events readers sent are not processed before the enumerator snapshot (they
   * are in flight, as they may be in the runtime); they are processed afterwards.
   */
  async checkpoint(
    checkpointId: number,
    options: { holdReaderEvents?: boolean } = {},
  ): Promise<SourceSnapshot> {
    if (options.holdReaderEvents) this.deliverToReaders();
    else this.deliver();
    const state = await this.enumerator.snapshotState(checkpointId);
    return {
      checkpointId,
      enumerator: serializeVersioned(this.source.enumeratorStateSerializer, state),
      readers: this.readers.map((r) =>
        r.snapshotState(checkpointId).map((split) => serializeVersioned(this.source.splitSerializer, split)),
      ),
    };
  }

  /** Records emitted by all readers (reader order, then emission order). */
  values(): T[] {
    return this.outputs.flatMap((o) => o.values());
  }

  count(): number {
    return this.outputs.reduce((n, o) => n + o.records.length, 0);
  }

  async close(): Promise<void> {
    for (const r of this.readers) await r.close();
    await this.enumerator.close();
  }

  private queueAction(action: () => void): void {
    this.coordinatorActions.push(action);
    this.onCoordinatorAction?.();
  }

  private waitFor(s: number): void {
    this.ready[s] = false;
    const reader = this.readers[s] as SourceReader<T, SourceSplit>;
    this.waits[s] = reader.isAvailable().then(() => s);
  }

  /** Reader splits of a restored snapshot, spread round-robin when the parallelism changed. */
  private redistribute(restore: SourceSnapshot | undefined): VersionedBytes[][] {
    const p = this.options.parallelism;
    if (!restore) return [];
    if (restore.readers.length === p) return restore.readers.map((r) => [...r]);
    const all = restore.readers.flat();
    const out: VersionedBytes[][] = Array.from({ length: p }, () => []);
    for (const [i, b] of all.entries()) out[i % p]?.push(b);
    return out;
  }

  private enumeratorContext(): SplitEnumeratorContext<SourceSplit> {
    const serializer = this.source.splitSerializer;
    const send = (s: number, m: ToReader) => this.toReaders[s]?.push(m);
    return {
      currentParallelism: this.options.parallelism,
      metricGroup: new SplitEnumeratorMetricGroup(this.registry, { operator: 'source' }),
      logger: silentLogger,
      registeredReaders: () => this.registered,
      assignSplits: (assignment) => {
        for (const [s, splits] of assignment) {
          if (splits.length > 0)
            send(s, { kind: 'splits', splits: splits.map((x) => serializeVersioned(serializer, x)) });
        }
      },
      assignSplit: (split, s) => send(s, { kind: 'splits', splits: [serializeVersioned(serializer, split)] }),
      signalNoMoreSplits: (s) => send(s, { kind: 'noMoreSplits' }),
      sendEventToSourceReader: (s, event) => send(s, { kind: 'event', event: json(event) }),
      callAsync: (task, handler) => {
        task().then(
          (r) => this.queueAction(() => handler(r, undefined)),
          (e: unknown) => this.queueAction(() => handler(undefined, e)),
        );
      },
      runInCoordinatorThread: (action) => this.queueAction(action),
      failJob: (error) => {
        this.failure ??= error;
        this.onCoordinatorAction?.();
      },
    };
  }

  private readerContext(s: number): SourceReaderContext {
    return {
      subtaskId: s,
      parallelism: this.options.parallelism,
      metricGroup: new SourceReaderMetricGroup(this.registry, { operator: 'source', subtask: String(s) }),
      logger: silentLogger,
      location: 'local',
      sendSplitRequest: () => this.toCoordinator.push({ kind: 'request', subtask: s }),
      sendSourceEventToCoordinator: (event) =>
        this.toCoordinator.push({ kind: 'event', subtask: s, event: json(event) }),
    };
  }
}
