import type {
  AnySource,
  ReaderInfo,
  SourceEvent,
  SourceSplit,
  SplitEnumerator,
  SplitEnumeratorContext,
} from '../../api/source.js';
import { BuiltinErrorCodes } from '../../builtins/builtin-error-codes.js';
import { TributaryError } from '../../errors/tributary-error.js';
import type { VersionedSerializer } from '../../serialization/versioned-serializer.js';
import { type HybridSourceEntry, resolveSource } from './hybrid-source-entries.js';
import {
  fromBase64,
  type HybridEnumeratorEvent,
  type HybridEnumeratorState,
  type HybridReaderEvent,
  type HybridSourceEvents,
  type HybridSourceSplit,
  isHybridEvent,
  toBase64,
  toJsonValue,
  unwrapSplit,
  wrapSplit,
} from './hybrid-source-split.js';

type AnyEnumerator = SplitEnumerator<SourceSplit, unknown>;

/**
 * The hybrid source's enumerator (FLIP-150): wraps the enumerator of the current source and
 * switches to the next source when every reader reported it finished the current one.
 *
 * Protocol (all source events, in order with split assignments on each reader's channel):
 * 1. A reader starts and sends `readerStarted` (with the index of its restored splits, or -1);
 *    the enumerator answers `switchSource(current)` and only then registers the reader with the
 *    underlying enumerator (`addReader`), so splits of a source always reach a reader that has a
 *    reader for that source.
 * 2. The underlying enumerator talks to readers through a proxy context that wraps splits and
 *    events with the source index and turns "no more splits" of a non-final source into a
 *    `noMoreSplits` event (the reader must not end: more sources follow).
 * 3. A reader whose underlying reader ended sends `readerFinished(i)`. When all readers did, the
 *    enumerator asks the old enumerator for its `endPosition()`, closes it, builds source i+1 (a
 *    factory gets the end position), starts its enumerator and switches every reader.
 *
 * State = current index + the end position it was built from + the underlying state (with the
 * underlying serializer) + splits assigned to readers not yet switched. Finished sources are in
 * nobody's state, so their splits are never read again after a restore.
 */
export class HybridSplitEnumerator<T>
  implements SplitEnumerator<HybridSourceSplit, HybridEnumeratorState, HybridSourceEvents>
{
  private currentIndex: number;
  private previousEndPosition: unknown;
  private source: AnySource<T>;
  private enumerator: AnyEnumerator;
  private proxy: UnderlyingContext;
  /** The source index each reader was switched to; -1 = started, waiting for its switch. */
  private readonly readerIndex = new Map<number, number>();
  private readonly finished = new Set<number>();
  private pendingSplits: { subtask: number; split: HybridSourceSplit }[] = [];
  private pendingNoMoreSplits = new Set<number>();
  private ready = false;
  private readonly closing: Promise<void>[] = [];

  constructor(
    private readonly ctx: SplitEnumeratorContext<HybridSourceSplit, HybridSourceEvents>,
    private readonly entries: readonly HybridSourceEntry<T>[],
    restored?: HybridEnumeratorState,
  ) {
    this.currentIndex = restored?.sourceIndex ?? 0;
    this.previousEndPosition = restored?.previousEndPosition;
    this.source = resolveSource(entries, this.currentIndex, this.previousEndPosition);
    this.proxy = new UnderlyingContext(this, ctx, this.currentIndex, this.source.splitSerializer);
    if (restored) {
      const serializer = this.source.enumeratorStateSerializer;
      const state = serializer.deserialize(
        restored.underlying.version,
        fromBase64(restored.underlying.bytes),
      );
      this.enumerator = this.source.restoreEnumerator(this.proxy, state);
      const p = Math.max(1, ctx.currentParallelism);
      // After a rescale a pending split's subtask may not exist any more: give it to subtask % p.
      this.pendingSplits = restored.pendingSplits.map((ps) => ({ subtask: ps.subtask % p, split: ps.split }));
      this.pendingNoMoreSplits = new Set(restored.pendingNoMoreSplits.filter((s) => s < p));
    } else {
      this.enumerator = this.source.createEnumerator(this.proxy);
    }
  }

  async start(): Promise<void> {
    await this.enumerator.start();
    this.ready = true;
  }

  /** Readers register through the `readerStarted` handshake, which also works after a restart. */
  addReader(): void {}

  handleSplitRequest(subtaskId: number): void {
    if (this.readerIndex.get(subtaskId) === this.currentIndex) this.enumerator.handleSplitRequest(subtaskId);
  }

  addSplitsBack(splits: readonly HybridSourceSplit[], subtaskId: number): void {
    // The reader failed: it will start again and go through the handshake.
    this.readerIndex.delete(subtaskId);
    this.finished.delete(subtaskId);
    const mine: SourceSplit[] = [];
    for (const split of splits) {
      if (split.sourceIndex !== this.currentIndex) {
        this.ctx.failJob(
          badState(
            `split ${split.splitId} of source ${split.sourceIndex} handed back while reading source ${this.currentIndex}`,
          ),
        );
        return;
      }
      mine.push(unwrapSplit(this.source.splitSerializer, split));
    }
    if (mine.length > 0) this.enumerator.addSplitsBack(mine, subtaskId);
  }

  handleSourceEvent(subtaskId: number, e: HybridReaderEvent): void {
    if (!isHybridEvent(e)) return;
    switch (e.hybrid) {
      case 'readerStarted':
        this.onReaderStarted(subtaskId, e.sourceIndex);
        break;
      case 'readerFinished':
        this.onReaderFinished(subtaskId, e.sourceIndex);
        break;
      case 'splitRequest':
        if (e.sourceIndex === this.currentIndex) this.handleSplitRequest(subtaskId);
        break;
      case 'forward':
        if (e.sourceIndex === this.currentIndex) this.enumerator.handleSourceEvent?.(subtaskId, e.event);
        break;
    }
  }

  async snapshotState(checkpointId: number): Promise<HybridEnumeratorState> {
    const state = await this.enumerator.snapshotState(checkpointId);
    const serializer = this.source.enumeratorStateSerializer;
    return {
      sourceIndex: this.currentIndex,
      previousEndPosition: this.previousEndPosition,
      underlying: { version: serializer.version, bytes: toBase64(serializer.serialize(state)) },
      pendingSplits: [...this.pendingSplits],
      pendingNoMoreSplits: [...this.pendingNoMoreSplits],
    };
  }

  notifyCheckpointComplete(checkpointId: number): void {
    this.enumerator.notifyCheckpointComplete?.(checkpointId);
  }

  /** The current (last) source's end position, so hybrid sources nest. */
  endPosition(): unknown {
    return this.enumerator.endPosition?.();
  }

  async close(): Promise<void> {
    this.proxy.active = false;
    await Promise.all([...this.closing, this.enumerator.close()]);
  }

  /** The source index `subtask` reads now (undefined before its handshake). @internal */
  indexOf(subtask: number): number | undefined {
    return this.readerIndex.get(subtask);
  }

  /** Splits for a reader that has not switched to the current source yet. @internal */
  deferSplit(subtask: number, split: HybridSourceSplit): void {
    this.pendingSplits.push({ subtask, split });
  }

  /** @internal */
  deferNoMoreSplits(subtask: number): void {
    this.pendingNoMoreSplits.add(subtask);
  }

  /** Delivers "no more splits" of the current source to a switched reader. @internal */
  deliverNoMoreSplits(subtask: number): void {
    if (this.isFinal(this.currentIndex)) this.ctx.signalNoMoreSplits(subtask);
    else this.send(subtask, { hybrid: 'noMoreSplits', sourceIndex: this.currentIndex });
  }

  private onReaderStarted(subtask: number, restoredIndex: number): void {
    this.finished.delete(subtask);
    if (restoredIndex > this.currentIndex) {
      this.ctx.failJob(
        badState(
          `reader ${subtask} restored splits of source ${restoredIndex}, but the enumerator is at ${this.currentIndex}`,
        ),
      );
      return;
    }
    // A reader is never behind with splits (a switch needs every reader finished), so a
    // restarted reader goes straight to the current source.
    this.readerIndex.set(subtask, -1);
    if (this.ready) this.switchReader(subtask);
  }

  private onReaderFinished(subtask: number, sourceIndex: number): void {
    // Stale reports (an older source, or a reader restarted since) are ignored.
    if (sourceIndex !== this.currentIndex || this.readerIndex.get(subtask) !== sourceIndex) return;
    this.finished.add(subtask);
    if (this.finished.size >= this.ctx.currentParallelism && !this.isFinal(this.currentIndex))
      this.switchSource();
  }

  private switchSource(): void {
    const endPosition = toJsonValue(this.enumerator.endPosition?.());
    const old = this.enumerator;
    this.proxy.active = false;
    this.closing.push(old.close().catch((error: unknown) => this.ctx.failJob(error)));
    const next = this.currentIndex + 1;
    let source: AnySource<T>;
    try {
      source = resolveSource(this.entries, next, endPosition);
    } catch (error) {
      this.ctx.failJob(error);
      return;
    }
    this.ctx.logger.info({ from: this.currentIndex, to: next }, 'hybrid source switching to the next source');
    this.currentIndex = next;
    this.previousEndPosition = endPosition;
    this.source = source;
    this.finished.clear();
    this.pendingSplits = [];
    this.pendingNoMoreSplits.clear();
    this.proxy = new UnderlyingContext(this, this.ctx, next, source.splitSerializer);
    const enumerator = source.createEnumerator(this.proxy);
    this.enumerator = enumerator;
    this.ready = false;
    for (const s of this.readerIndex.keys()) this.readerIndex.set(s, -1);
    Promise.resolve()
      .then(() => enumerator.start())
      .then(
        () =>
          this.ctx.runInCoordinatorThread(() => {
            if (this.currentIndex !== next) return;
            this.ready = true;
            for (const [s, index] of this.readerIndex) if (index !== next) this.switchReader(s);
          }),
        (error: unknown) => this.ctx.failJob(error),
      );
  }

  private switchReader(subtask: number): void {
    const index = this.currentIndex;
    this.readerIndex.set(subtask, index);
    const event: HybridEnumeratorEvent = {
      hybrid: 'switchSource',
      sourceIndex: index,
      final: this.isFinal(index),
      ...(this.previousEndPosition === undefined ? {} : { previousEndPosition: this.previousEndPosition }),
    };
    this.send(subtask, event);
    const mine = this.pendingSplits.filter((p) => p.subtask === subtask).map((p) => p.split);
    if (mine.length > 0) {
      this.pendingSplits = this.pendingSplits.filter((p) => p.subtask !== subtask);
      this.ctx.assignSplits(new Map([[subtask, mine]]));
    }
    if (this.pendingNoMoreSplits.delete(subtask)) this.deliverNoMoreSplits(subtask);
    this.enumerator.addReader(subtask);
  }

  /** @internal */
  send(subtask: number, event: HybridEnumeratorEvent): void {
    this.ctx.sendEventToSourceReader(subtask, event);
  }

  private isFinal(index: number): boolean {
    return index === this.entries.length - 1;
  }
}

/**
 * What the underlying enumerator sees as its context: only readers switched to its source count
 * as registered; splits and events get the source index; callbacks of an enumerator that was
 * switched away are dropped.
 */
class UnderlyingContext implements SplitEnumeratorContext<SourceSplit> {
  active = true;

  constructor(
    private readonly owner: HybridSplitEnumerator<unknown>,
    private readonly ctx: SplitEnumeratorContext<HybridSourceSplit>,
    private readonly sourceIndex: number,
    private readonly splitSerializer: VersionedSerializer<SourceSplit>,
  ) {}

  get currentParallelism(): number {
    return this.ctx.currentParallelism;
  }
  get metricGroup() {
    return this.ctx.metricGroup;
  }
  get logger() {
    return this.ctx.logger;
  }

  registeredReaders(): ReadonlyMap<number, ReaderInfo> {
    const out = new Map<number, ReaderInfo>();
    for (const [s, info] of this.ctx.registeredReaders()) if (this.switched(s)) out.set(s, info);
    return out;
  }

  assignSplits(assignment: ReadonlyMap<number, readonly SourceSplit[]>): void {
    if (!this.active) return;
    const serializer = this.splitSerializer;
    const now = new Map<number, HybridSourceSplit[]>();
    for (const [s, splits] of assignment) {
      const wrapped = splits.map((split) => wrapSplit(this.sourceIndex, serializer, split));
      if (this.switched(s)) now.set(s, wrapped);
      else for (const w of wrapped) this.owner.deferSplit(s, w);
    }
    if (now.size > 0) this.ctx.assignSplits(now);
  }

  assignSplit(split: SourceSplit, subtaskId: number): void {
    this.assignSplits(new Map([[subtaskId, [split]]]));
  }

  signalNoMoreSplits(subtaskId: number): void {
    if (!this.active) return;
    if (this.switched(subtaskId)) this.owner.deliverNoMoreSplits(subtaskId);
    else this.owner.deferNoMoreSplits(subtaskId);
  }

  sendEventToSourceReader(subtaskId: number, event: SourceEvent): void {
    if (!this.active) return;
    if (!this.switched(subtaskId)) {
      this.ctx.logger.debug(
        { subtask: subtaskId, sourceIndex: this.sourceIndex },
        'dropped event for a reader not on this source',
      );
      return;
    }
    this.owner.send(subtaskId, { hybrid: 'forward', sourceIndex: this.sourceIndex, event });
  }

  callAsync<R>(
    task: () => Promise<R>,
    handler: (result: R | undefined, error: unknown) => void,
    schedule?: { readonly initialDelayMs?: number; readonly periodMs?: number },
  ): void {
    // Periodic tasks of a replaced enumerator keep their schedule (only closing the hybrid
    // enumerator stops them) but do no work any more.
    this.ctx.callAsync(
      () => (this.active ? task() : Promise.resolve(undefined)),
      (result, error) => {
        if (this.active) handler(result, error);
      },
      schedule,
    );
  }

  runInCoordinatorThread(action: () => void): void {
    this.ctx.runInCoordinatorThread(() => {
      if (this.active) action();
    });
  }

  failJob(error: unknown): void {
    this.ctx.failJob(error);
  }

  private switched(subtask: number): boolean {
    return this.owner.indexOf(subtask) === this.sourceIndex;
  }
}

function badState(message: string): TributaryError {
  return new TributaryError(BuiltinErrorCodes.HYBRID_BAD_STATE, `Hybrid source: ${message}`);
}
