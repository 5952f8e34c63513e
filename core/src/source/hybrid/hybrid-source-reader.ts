import type {
  AnySource,
  InputStatus,
  ReaderOutput,
  SourceOutput,
  SourceReader,
  SourceReaderContext,
  SourceSplit,
} from '../../api/source.js';
import { BuiltinErrorCodes } from '../../builtins/builtin-error-codes.js';
import { CoreErrorCodes } from '../../errors/error-codes.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { type HybridSourceEntry, resolveSource } from './hybrid-source-entries.js';
import {
  type HybridEnumeratorEvent,
  type HybridReaderEvent,
  type HybridSourceEvents,
  type HybridSourceSplit,
  isHybridEvent,
  unwrapSplit,
  wrapSplit,
} from './hybrid-source-split.js';

type AnyReader<T> = SourceReader<T, SourceSplit>;

/**
 * The hybrid source's reader: holds one underlying reader for the source it was switched to.
 * When that reader ends and more sources follow, it reports `readerFinished` and waits (returns
 * 'nothing', `isAvailable()` pending) for the enumerator's next `switchSource`; only the final
 * source's end is the hybrid reader's end. Splits for a source it has not switched to yet (restored
 * splits before the handshake) are kept and handed over on the switch.
 */
export class HybridSourceReader<T> implements SourceReader<T, HybridSourceSplit, HybridSourceEvents> {
  private currentIndex = -1;
  private current: AnyReader<T> | undefined;
  private source: AnySource<T> | undefined;
  private final = false;
  private currentEnded = false;
  private reportedFinished = -1;
  /** Not-yet-usable splits: for a later source, or arriving while the current reader starts. */
  private buffered: HybridSourceSplit[] = [];
  private starting: Promise<void> | undefined;
  private underlyingNoMoreSplits = false;
  private failure: unknown;
  private closed = false;
  private readonly closing: Promise<void>[] = [];
  private wake: (() => void) | undefined;
  private waiting: Promise<void> | undefined;
  private wrappedOutput: { owner: ReaderOutput<T>; index: number; output: ReaderOutput<T> } | undefined;

  constructor(
    private readonly ctx: SourceReaderContext<HybridSourceEvents>,
    private readonly entries: readonly HybridSourceEntry<T>[],
  ) {}

  start(): void {
    const restored = this.buffered.length > 0 ? Math.min(...this.buffered.map((s) => s.sourceIndex)) : -1;
    this.send({ hybrid: 'readerStarted', sourceIndex: restored });
  }

  pollNext(output: ReaderOutput<T>): InputStatus {
    this.throwIfFailed();
    const reader = this.current;
    if (!reader || this.starting || this.currentEnded) return 'nothing';
    const status = reader.pollNext(this.outputFor(output));
    if (status !== 'end') return status;
    if (this.final) return 'end';
    this.currentEnded = true;
    if (this.reportedFinished < this.currentIndex) {
      this.reportedFinished = this.currentIndex;
      this.send({ hybrid: 'readerFinished', sourceIndex: this.currentIndex });
    }
    return 'nothing';
  }

  isAvailable(): Promise<void> {
    if (this.failure !== undefined || this.closed) return Promise.resolve();
    this.waiting ??= new Promise<void>((resolve) => {
      this.wake = resolve;
    });
    // Also wake on our own signals (a failure, a switch) while the underlying reader waits.
    if (this.current && !this.starting && !this.currentEnded) {
      return Promise.race([this.current.isAvailable(), this.waiting]);
    }
    return this.waiting;
  }

  snapshotState(checkpointId: number): HybridSourceSplit[] {
    const out: HybridSourceSplit[] = [];
    if (this.current && this.source) {
      const serializer = this.source.splitSerializer;
      for (const split of this.current.snapshotState(checkpointId)) {
        out.push(wrapSplit(this.currentIndex, serializer, split));
      }
    }
    out.push(...this.buffered);
    return out;
  }

  addSplits(splits: readonly HybridSourceSplit[]): void {
    const now: HybridSourceSplit[] = [];
    for (const split of splits) {
      if (split.sourceIndex < this.currentIndex) {
        this.fail(
          badState(
            `got split ${split.splitId} of source ${split.sourceIndex} while reading source ${this.currentIndex}`,
          ),
        );
        return;
      }
      if (split.sourceIndex === this.currentIndex && this.current && !this.starting) now.push(split);
      else this.buffered.push(split);
    }
    if (now.length > 0) this.handOver(now);
  }

  /** Only ever sent for the final source (earlier sources end with a `noMoreSplits` event). */
  notifyNoMoreSplits(): void {
    this.underlyingNoMoreSplits = true;
    if (this.final) this.deliverNoMoreSplits();
  }

  handleSourceEvent(e: HybridEnumeratorEvent): void {
    if (!isHybridEvent(e)) return;
    if (e.hybrid === 'switchSource') this.switchTo(e.sourceIndex, e.previousEndPosition, e.final);
    else if (e.sourceIndex !== this.currentIndex) return;
    else if (e.hybrid === 'noMoreSplits') {
      this.underlyingNoMoreSplits = true;
      this.deliverNoMoreSplits();
    } else if (e.hybrid === 'forward') this.current?.handleSourceEvent?.(e.event);
  }

  async notifyCheckpointComplete(checkpointId: number): Promise<void> {
    await this.current?.notifyCheckpointComplete?.(checkpointId);
  }

  notifyCheckpointAborted(checkpointId: number): void {
    this.current?.notifyCheckpointAborted?.(checkpointId);
  }

  pauseOrResumeSplits(splitsToPause: readonly string[], splitsToResume: readonly string[]): void {
    const prefix = `${this.currentIndex}:`;
    const strip = (ids: readonly string[]) =>
      ids.filter((id) => id.startsWith(prefix)).map((id) => id.slice(prefix.length));
    this.current?.pauseOrResumeSplits?.(strip(splitsToPause), strip(splitsToResume));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.signal();
    const reader = this.current;
    this.current = undefined;
    await Promise.all([...this.closing, reader?.close()]);
  }

  private switchTo(index: number, previousEndPosition: unknown, final: boolean): void {
    if (index <= this.currentIndex || this.closed) return;
    if (this.buffered.some((s) => s.sourceIndex < index)) {
      this.fail(badState(`restored splits of a source before ${index} would be skipped`));
      return;
    }
    const old = this.current;
    if (old) this.closing.push(old.close().catch((error: unknown) => this.fail(error)));
    let reader: AnyReader<T>;
    try {
      this.source = resolveSource(this.entries, index, previousEndPosition);
      reader = this.source.createReader(this.underlyingContext(index)) as AnyReader<T>;
    } catch (error) {
      this.current = undefined;
      this.fail(error);
      return;
    }
    this.current = reader;
    this.currentIndex = index;
    this.final = final;
    this.currentEnded = false;
    this.underlyingNoMoreSplits = false;
    const started = reader.start();
    if (started instanceof Promise) {
      this.starting = started.then(
        () => {
          if (this.current !== reader) return;
          this.starting = undefined;
          this.afterStart();
        },
        (error: unknown) => this.fail(error),
      );
    } else {
      this.afterStart();
    }
    this.signal();
  }

  private afterStart(): void {
    const mine = this.buffered.filter((s) => s.sourceIndex === this.currentIndex);
    this.buffered = this.buffered.filter((s) => s.sourceIndex !== this.currentIndex);
    if (mine.length > 0) this.handOver(mine);
    if (this.underlyingNoMoreSplits) this.deliverNoMoreSplits();
    this.signal();
  }

  private handOver(splits: readonly HybridSourceSplit[]): void {
    const serializer = (this.source as AnySource<T>).splitSerializer;
    (this.current as AnyReader<T>).addSplits(splits.map((s) => unwrapSplit(serializer, s)));
  }

  private deliverNoMoreSplits(): void {
    if (this.current && !this.starting) this.current.notifyNoMoreSplits();
  }

  private underlyingContext(index: number): SourceReaderContext {
    const { ctx } = this;
    return {
      subtaskId: ctx.subtaskId,
      parallelism: ctx.parallelism,
      metricGroup: ctx.metricGroup,
      logger: ctx.logger,
      location: ctx.location,
      checkpointIntervalMs: ctx.checkpointIntervalMs,
      sendSplitRequest: () => this.send({ hybrid: 'splitRequest', sourceIndex: index }),
      sendSourceEventToCoordinator: (event) => this.send({ hybrid: 'forward', sourceIndex: index, event }),
    };
  }

  /** Split outputs get the hybrid split id (`<index>:<id>`), the id the runtime knows. */
  private outputFor(output: ReaderOutput<T>): ReaderOutput<T> {
    const cached = this.wrappedOutput;
    if (cached && cached.owner === output && cached.index === this.currentIndex) return cached.output;
    const prefix = `${this.currentIndex}:`;
    const wrapped: ReaderOutput<T> = {
      collect: (record, timestamp) => output.collect(record, timestamp),
      emitWatermark: (w) => output.emitWatermark(w),
      markIdle: () => output.markIdle(),
      markActive: () => output.markActive(),
      createOutputForSplit: (id): SourceOutput<T> => output.createOutputForSplit(prefix + id),
      releaseOutputForSplit: (id) => output.releaseOutputForSplit(prefix + id),
    };
    this.wrappedOutput = { owner: output, index: this.currentIndex, output: wrapped };
    return wrapped;
  }

  private send(event: HybridReaderEvent): void {
    this.ctx.sendSourceEventToCoordinator(event);
  }

  private fail(error: unknown): void {
    this.failure ??= error;
    this.signal();
  }

  private throwIfFailed(): void {
    if (this.closed) throw new TributaryError(CoreErrorCodes.CLOSED, 'pollNext() after close()');
    if (this.failure !== undefined) throw this.failure;
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    this.waiting = undefined;
    wake?.();
  }
}

function badState(message: string): TributaryError {
  return new TributaryError(BuiltinErrorCodes.HYBRID_BAD_STATE, `Hybrid source: ${message}`);
}
