import { hostname } from 'node:os';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import {
  isCommittingWriter,
  isStatefulWriter,
  type SinkWriter,
  type SinkWriterContext,
  supportsCommitter,
  supportsWriterState,
  type WriterInitContext,
} from '../api/sink.js';
import type { InputStatus, SourceReader, SourceReaderContext, SourceSplit } from '../api/source.js';
import { CoreErrorCodes } from '../errors/error-codes.js';
import { TributaryError, toError } from '../errors/tributary-error.js';
import type { Logger } from '../logging/logger.js';
import type { SinkWriterMetricGroup, SourceReaderMetricGroup } from '../metrics/metric-groups.js';
import type { VersionedSerializer } from '../serialization/versioned-serializer.js';
import { BatchingReaderOutput } from '../watermark/batching-reader-output.js';
import { Watermarks } from '../watermark/watermark-strategies.js';
import { type BoundedWriter, isBoundedWriter } from './bounded-writer.js';
import type { JobGraph } from './job-graph.js';
import type { ResolvedJobOptions } from './job-options.js';
import { Mailbox } from './mailbox.js';
import type { CoordinatorToSubtask, StoredBytes, SubtaskToCoordinator } from './messages.js';
import { runChain } from './operator-chain.js';
import { fromStored, toStored } from './stored-bytes.js';

export interface SubtaskTaskDeps {
  readonly index: number;
  readonly parallelism: number;
  readonly graph: JobGraph;
  readonly options: ResolvedJobOptions;
  readonly send: (message: SubtaskToCoordinator) => void;
  readonly restoredSplits: readonly StoredBytes[];
  readonly restoredWriterStates: readonly StoredBytes[];
  readonly restoredCheckpointId: number | undefined;
  readonly attemptNumber: number;
  readonly jobId: string;
  readonly readerMetrics: SourceReaderMetricGroup;
  readonly writerMetrics: SinkWriterMetricGroup;
  readonly logger: Logger;
}

/**
 * One parallel subtask: reader → operator chain → writer on a serialized "mailbox" loop. Reader,
 * chain and writer methods are never called concurrently; coordinator messages (split
 * assignments, checkpoint barriers, commit notifications) are handled between batches, which
 * makes every checkpoint aligned by construction. Awaiting `writer.write` is the backpressure
 * path: while the sink is slow, the reader is not polled and its fetch queue fills and stops.
 */
export class SubtaskTask {
  readonly mailbox = new Mailbox<CoordinatorToSubtask>();
  private reader: SourceReader<unknown, SourceSplit> | undefined;
  private writer: SinkWriter<unknown> | undefined;
  /** The writer when it holds a bounded number of records (an async stage), else undefined. */
  private bounded: BoundedWriter | undefined;
  private output: BatchingReaderOutput<unknown>;
  private stopped = false;
  private inputEnded = false;
  private readerEnded = false;
  private finalCommittables: unknown[] | undefined;
  private lastWatermarkTick = 0;
  private emptyPolls = 0;
  private warnedContract = false;
  private readonly watermarksEnabled: boolean;
  /** The stop-with-savepoint this subtask acked: it neither reads nor writes until it is aborted. */
  private suspendedFor: number | undefined;
  private readonly wakeUp = new WakeUp();
  private readonly writerCtx: SinkWriterContext & { timestamps: number[] };

  constructor(private readonly deps: SubtaskTaskDeps) {
    const strategy = deps.graph.watermarks ?? Watermarks.none<unknown>();
    this.watermarksEnabled = strategy.disabled !== true;
    this.output = new BatchingReaderOutput(strategy);
    const output = this.output;
    this.writerCtx = {
      timestamps: [],
      get currentWatermark() {
        return Number.isFinite(output.currentWatermark) ? output.currentWatermark : undefined;
      },
      timestamp(index: number) {
        const ts = this.timestamps[index];
        return ts === undefined || Number.isNaN(ts) ? undefined : ts;
      },
    };
  }

  /** Asks the loop to end (job failure or cancel); wakes it if it waits. */
  abort(): void {
    this.stopped = true;
    this.mailbox.put({ type: 'stop' });
  }

  async run(): Promise<void> {
    const { deps } = this;
    const { source, sink } = deps.graph;
    try {
      this.reader = source.createReader(this.readerContext());
      const writerCtx = this.writerInitContext();
      const states = deps.restoredWriterStates;
      this.writer =
        states.length > 0 && supportsWriterState(sink)
          ? await sink.restoreWriter(
              writerCtx,
              states.map((s) => fromStored(sink.writerStateSerializer as VersionedSerializer<unknown>, s)),
            )
          : await sink.createWriter(writerCtx);
      if (isBoundedWriter(this.writer)) this.bounded = this.writer;
      // Flink's order (and the SourceHarness's): restored splits → registration → start. A reader's
      // start() sees its restored splits, and the enumerator knows the reader before any event
      // start() sends.
      if (deps.restoredSplits.length > 0) {
        this.reader.addSplits(
          deps.restoredSplits.map((s) => fromStored(source.splitSerializer, s) as SourceSplit),
        );
      }
      deps.send({ type: 'readerRegistered', subtask: deps.index, location: `${hostname()}:${process.pid}` });
      await this.reader.start();
      await this.loop();
    } finally {
      await this.closeQuietly();
    }
  }

  private async loop(): Promise<void> {
    const reader = this.reader as SourceReader<unknown, SourceSplit>;
    const maxBatches = this.deps.options.maxBatchesPerYield;
    let polls = 0;
    while (!this.stopped) {
      for (let mail = this.mailbox.poll(); mail !== undefined; mail = this.mailbox.poll()) {
        await this.handleMail(mail);
        if (this.stopped) return;
      }
      // After end of input, and after acking a stop-with-savepoint barrier (FLIP-34: nothing is
      // read or written past the savepoint), only coordinator messages are handled.
      if (this.inputEnded || this.suspendedFor !== undefined) {
        await this.mailbox.available();
        continue;
      }
      if (this.watermarksEnabled) await this.maybeEmitWatermark();
      const bounded = this.bounded;
      if (bounded !== undefined) {
        const room = bounded.recordsAccepted();
        if (room <= 0) {
          // Full: wait here rather than inside write() with a polled batch waiting for room; then
          // handle any mail that came meanwhile before polling.
          await bounded.whenAccepting();
          continue;
        }
        this.output.recordsWanted = room;
      }
      const status = reader.pollNext(this.output);
      if (this.output.size > 0) {
        this.emptyPolls = 0;
        const writing = this.processBatch();
        if (writing !== undefined) await writing;
      }
      if (status === 'end') {
        this.readerEnded = true;
        await this.endInput();
      } else if (status === 'nothing') {
        if (this.output.size === 0) this.noteEmptyPoll();
        await this.waitForInput(reader);
      }
      // Counted over every poll, 'nothing' included: a reader whose availability resolves through
      // microtasks alone never lets the event loop reach timers and I/O (an async sink's
      // responses, flush timers) unless the loop yields to it itself.
      if (++polls >= maxBatches) {
        polls = 0;
        await yieldToEventLoop();
      }
    }
  }

  /** Hands the polled batch through the chain to the writer; a promise while the writer takes it. */
  private processBatch(): Promise<void> | undefined {
    const { deps } = this;
    const batch = this.output.takeBatch();
    const metrics = deps.readerMetrics;
    const n = batch.values.length;
    metrics.numRecordsIn.inc(n);
    metrics.lastEmitTime = Date.now();
    const lastTs = batch.timestamps[n - 1];
    if (lastTs !== undefined && !Number.isNaN(lastTs)) metrics.lastEmitEventTime = lastTs;
    const out =
      deps.graph.operators.length === 0
        ? batch
        : runChain(deps.graph.operators, batch, {
            subtaskId: deps.index,
            currentWatermark: () => this.writerCtx.currentWatermark,
          });
    if (out.values.length === 0) return undefined;
    this.writerCtx.timestamps = out.timestamps;
    const bounded = this.bounded;
    if (bounded !== undefined && out.values.length <= bounded.recordsAccepted()) {
      // The usual case with an async stage (the poll was cut to its room): taken at once, nothing
      // to wait for, so no back-pressured time and no promise per batch.
      bounded.writeAccepted(out.values, this.writerCtx);
      return undefined;
    }
    return this.awaitWrite((this.writer as SinkWriter<unknown>).write(out.values, this.writerCtx));
  }

  private async awaitWrite(written: Promise<void>): Promise<void> {
    // Blocked time starts when write() returned: its synchronous part is work, not waiting.
    const backPressure = this.deps.writerMetrics.backPressure;
    backPressure.begin(Date.now());
    try {
      await written;
    } finally {
      backPressure.end(Date.now());
    }
  }

  private async maybeEmitWatermark(): Promise<void> {
    const now = Date.now();
    if (now - this.lastWatermarkTick < this.deps.options.autoWatermarkIntervalMs) return;
    this.lastWatermarkTick = now;
    const advanced = this.output.onPeriodicEmit(now);
    if (advanced !== undefined) {
      this.deps.readerMetrics.currentWatermark = advanced;
      await this.writer?.writeWatermark?.(advanced);
    }
  }

  /** Waits for reader data, a message, the next watermark tick, or the availability probe. */
  private async waitForInput(reader: SourceReader<unknown, SourceSplit>): Promise<void> {
    // A reader usually returns the same pending promise until it has data, and the mailbox the
    // same one until a message arrives: each is subscribed to once, however often the loop wakes.
    const available = reader.isAvailable();
    this.wakeUp.watch(available);
    this.wakeUp.watch(this.mailbox.available());
    const timers = [this.deps.options.availabilityProbeMs];
    if (this.watermarksEnabled) timers.push(this.deps.options.autoWatermarkIntervalMs);
    if (!this.wakeUp.settled(available) && this.mailbox.size === 0) await this.wakeUp.wait(timers);
    const readerError = this.wakeUp.errorOf(available);
    if (readerError !== undefined) throw readerError;
    if (
      !this.wakeUp.settled(available) &&
      this.mailbox.size === 0 &&
      this.deps.options.contractChecks !== 'off'
    ) {
      await this.probeReader(reader, available);
    }
  }

  /**
   * Polls a reader whose `isAvailable()` has not resolved. Data found now means the reader would
   * have stalled forever: a contract violation, reported (or failed, in `fail` mode).
   */
  private async probeReader(
    reader: SourceReader<unknown, SourceSplit>,
    available: Promise<void>,
  ): Promise<void> {
    await Promise.resolve();
    if (this.wakeUp.settled(available)) return;
    const status: InputStatus = reader.pollNext(this.output);
    const hadData = this.output.size > 0 || status === 'more';
    if (this.output.size > 0) await this.processBatch();
    if (status === 'end') {
      this.readerEnded = true;
      await this.endInput();
    }
    if (hadData) this.contractViolation('isAvailable() stayed pending while data was waiting');
  }

  private noteEmptyPoll(): void {
    // Thousands of empty polls in a row mean isAvailable() resolves without data: busy waiting.
    if (++this.emptyPolls === 10_000) {
      this.emptyPolls = 0;
      this.contractViolation('isAvailable() keeps resolving while pollNext() has nothing (busy waiting)');
    }
  }

  private contractViolation(what: string): void {
    const error = new TributaryError(
      CoreErrorCodes.CONTRACT_VIOLATION,
      `Source reader contract violation: ${what}`,
      {
        context: { subtask: this.deps.index, source: this.deps.graph.sourceName },
      },
    );
    if (this.deps.options.contractChecks === 'fail') throw error;
    if (!this.warnedContract) {
      this.warnedContract = true;
      this.deps.logger.warn({ err: error }, error.message);
    }
  }

  /** End of input (or drain): flush everything and prepare the final committables. */
  private async endInput(): Promise<void> {
    if (this.inputEnded) return;
    this.inputEnded = true;
    const writer = this.writer as SinkWriter<unknown>;
    if (this.watermarksEnabled) await writer.writeWatermark?.(Number.POSITIVE_INFINITY);
    await writer.flush(true);
    this.finalCommittables = isCommittingWriter(writer) ? await writer.prepareCommit() : [];
    this.deps.send({ type: 'inputFinished', subtask: this.deps.index });
  }

  private async handleMail(mail: CoordinatorToSubtask): Promise<void> {
    const reader = this.reader as SourceReader<unknown, SourceSplit>;
    switch (mail.type) {
      case 'addSplits':
        reader.addSplits(
          mail.splits.map((s) => fromStored(this.deps.graph.source.splitSerializer, s) as SourceSplit),
        );
        return;
      case 'noMoreSplits':
        reader.notifyNoMoreSplits();
        return;
      case 'sourceEvent':
        reader.handleSourceEvent?.(mail.event);
        return;
      case 'triggerCheckpoint':
        await this.snapshot(mail.checkpointId, mail.drain);
        if (mail.stop) this.suspendedFor = mail.checkpointId;
        return;
      case 'checkpointComplete':
        await reader.notifyCheckpointComplete?.(mail.checkpointId);
        return;
      case 'checkpointAborted':
        // A stop-with-savepoint that failed: the job goes on running.
        if (this.suspendedFor === mail.checkpointId) this.suspendedFor = undefined;
        reader.notifyCheckpointAborted?.(mail.checkpointId);
        return;
      case 'stop':
        this.stopped = true;
        return;
    }
  }

  /** The aligned snapshot: flush → prepareCommit → writer state → reader splits. */
  private async snapshot(checkpointId: number, drain: boolean): Promise<void> {
    const { deps } = this;
    const { sink, source } = deps.graph;
    const writer = this.writer as SinkWriter<unknown>;
    if (drain) await this.endInput();
    let committables: unknown[] = [];
    if (!this.inputEnded) {
      await writer.flush(false);
      if (isCommittingWriter(writer)) committables = await writer.prepareCommit();
    } else if (this.finalCommittables) {
      committables = this.finalCommittables;
      this.finalCommittables = undefined;
    }
    const writerStates = isStatefulWriter(writer) ? await writer.snapshotState(checkpointId) : [];
    const splits = this.readerEnded
      ? []
      : (this.reader as SourceReader<unknown, SourceSplit>).snapshotState(checkpointId);
    if (committables.length > 0 && !supportsCommitter(sink)) {
      throw new TributaryError(
        CoreErrorCodes.CONTRACT_VIOLATION,
        'Writer returned committables but the sink has no committer',
        {
          context: { sink: deps.graph.sinkName },
        },
      );
    }
    deps.send({
      type: 'checkpointAck',
      snapshot: {
        checkpointId,
        subtask: deps.index,
        splits: splits.map((s) => toStored(source.splitSerializer, s)),
        writerStates: supportsWriterState(sink)
          ? writerStates.map((s) => toStored(sink.writerStateSerializer as VersionedSerializer<unknown>, s))
          : [],
        committables: supportsCommitter(sink)
          ? committables.map((c) => toStored(sink.committableSerializer as VersionedSerializer<unknown>, c))
          : [],
        finished: this.readerEnded,
      },
    });
  }

  private readerContext(): SourceReaderContext {
    const { deps } = this;
    return {
      subtaskId: deps.index,
      parallelism: deps.parallelism,
      metricGroup: deps.readerMetrics,
      logger: deps.logger,
      location: `${hostname()}:${process.pid}`,
      checkpointIntervalMs: deps.options.checkpointing.intervalMs,
      sendSplitRequest: () => deps.send({ type: 'splitRequest', subtask: deps.index }),
      sendSourceEventToCoordinator: (event) => deps.send({ type: 'sourceEvent', subtask: deps.index, event }),
    };
  }

  private writerInitContext(): WriterInitContext {
    const { deps } = this;
    return {
      subtaskId: deps.index,
      parallelism: deps.parallelism,
      attemptNumber: deps.attemptNumber,
      restoredCheckpointId: deps.restoredCheckpointId,
      jobId: deps.jobId,
      metricGroup: deps.writerMetrics,
      logger: deps.logger,
    };
  }

  private async closeQuietly(): Promise<void> {
    for (const closeable of [this.reader, this.writer]) {
      try {
        await closeable?.close();
      } catch (error) {
        this.deps.logger.warn({ err: toError(error), subtask: this.deps.index }, 'error while closing');
      }
    }
  }
}

/**
 * Wakes the subtask loop when any watched promise settles or a timer fires. Each promise is
 * subscribed to once (keyed by identity), so a reader idle for hours with one pending
 * `isAvailable()` promise does not collect a new handler on every wake.
 */
class WakeUp {
  private readonly watched = new WeakSet<Promise<unknown>>();
  private readonly done = new WeakMap<Promise<unknown>, { error: unknown }>();
  private wake: (() => void) | undefined;

  watch(promise: Promise<unknown>): void {
    if (this.watched.has(promise)) return;
    this.watched.add(promise);
    promise.then(
      () => this.settle(promise, undefined),
      (error: unknown) => this.settle(promise, error ?? new Error('isAvailable() rejected')),
    );
  }

  settled(promise: Promise<unknown>): boolean {
    return this.done.has(promise);
  }

  errorOf(promise: Promise<unknown>): unknown {
    return this.done.get(promise)?.error;
  }

  /** Resolves on the next settle of a watched promise, or after the shortest of `timersMs`. */
  async wait(timersMs: readonly number[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        timer = setTimeout(resolve, Math.min(...timersMs));
      });
    } finally {
      this.wake = undefined;
      clearTimeout(timer);
    }
  }

  private settle(promise: Promise<unknown>, error: unknown): void {
    this.done.set(promise, { error });
    this.wake?.();
  }
}
