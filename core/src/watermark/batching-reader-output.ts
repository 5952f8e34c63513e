import { collectEach, type ReaderOutput, type SourceOutput } from '../api/source.js';
import type { WatermarkGenerator, WatermarkOutput, WatermarkStrategy } from '../api/watermark.js';

/**
 * The records a reader emitted since the last take, with their event timestamps. `timestamps[i]`
 * belongs to `values[i]`; NaN or a missing entry means "no timestamp", and the array may be shorter
 * than `values` (empty when no record carries one, which keeps the common path to one push).
 */
export interface RecordBatch<T> {
  values: T[];
  timestamps: number[];
}

/** One output's watermark state: a split's or the reader's own (non-split) output. */
class OutputState<T> implements SourceOutput<T>, WatermarkOutput {
  watermark = Number.NEGATIVE_INFINITY;
  idle = false;
  lastEventWallTime: number;
  private eventsSinceTick = false;

  constructor(
    private readonly owner: BatchingReaderOutput<T>,
    private readonly generator: WatermarkGenerator<T>,
  ) {
    this.lastEventWallTime = owner.clock();
  }

  collect(record: T, timestamp?: number): void {
    const owner = this.owner;
    if (owner.direct) {
      // No watermarks, no assigner: the hot path is one push; timestamps only when there are any.
      owner.values.push(record);
      if (timestamp !== undefined) owner.pushTimestamp(timestamp);
      return;
    }
    const ts = this.owner.assignTimestamp(record, timestamp);
    this.owner.push(record, ts);
    this.eventsSinceTick = true;
    if (this.idle) this.idle = false;
    if (!Number.isNaN(ts)) this.generator.onEvent(record, ts, this);
  }

  collectBatch(records: T[], timestamps: number[]): void {
    if (records.length === 0) return;
    if (this.owner.direct) {
      this.owner.appendBatch(records, timestamps);
      return;
    }
    // Watermarks: each record goes through the assigner and the generator, as with collect.
    collectEach(this, records, timestamps);
  }

  emitWatermark(watermark: number): void {
    if (watermark > this.watermark) this.watermark = watermark;
    this.idle = false;
  }

  markIdle(): void {
    this.idle = true;
  }

  markActive(): void {
    this.idle = false;
  }

  tick(now: number, idleTimeoutMs: number | undefined): void {
    if (this.eventsSinceTick) {
      this.lastEventWallTime = now;
      this.eventsSinceTick = false;
    }
    this.generator.onPeriodicEmit(this);
    if (idleTimeoutMs !== undefined && now - this.lastEventWallTime >= idleTimeoutMs) this.idle = true;
  }
}

/**
 * The runtime's `ReaderOutput`: collects emitted records into a batch and merges per-split
 * watermarks (minimum over non-idle split outputs; released splits stop counting). Watermarks are
 * computed on {@link onPeriodicEmit}, not per record, and never go backwards.
 */
export class BatchingReaderOutput<T> implements ReaderOutput<T> {
  values: T[] = [];
  timestamps: number[] = [];
  /** Set by the subtask before each poll (see {@link ReaderOutput.recordsWanted}). */
  recordsWanted: number | undefined = undefined;
  /** The combined watermark; `-Infinity` until every active output has one. */
  currentWatermark = Number.NEGATIVE_INFINITY;
  /** True when every output is idle (the reader is idle). */
  idle = false;
  /** @internal Watermarks disabled and no assigner: outputs push straight into the batch. */
  readonly direct: boolean;

  private readonly splits = new Map<string, OutputState<T>>();
  private readonly main: OutputState<T>;
  private mainUsed = false;
  private readonly assigner: WatermarkStrategy<T>['timestampAssigner'];

  constructor(
    private readonly strategy: WatermarkStrategy<T>,
    readonly clock: () => number = Date.now,
  ) {
    this.assigner = strategy.timestampAssigner;
    this.direct = strategy.disabled === true && strategy.timestampAssigner === undefined;
    this.main = new OutputState(this, strategy.createGenerator());
  }

  /** @internal */
  assignTimestamp(record: T, timestamp: number | undefined): number {
    if (this.assigner) return this.assigner(record, timestamp) ?? Number.NaN;
    return timestamp ?? Number.NaN;
  }

  /** @internal Records the timestamp of the record just pushed, padding earlier ones with NaN. */
  pushTimestamp(timestamp: number): void {
    const timestamps = this.timestamps;
    while (timestamps.length < this.values.length - 1) timestamps.push(Number.NaN);
    timestamps.push(timestamp);
  }

  /** @internal */
  push(record: T, timestamp: number): void {
    this.values.push(record);
    this.timestamps.push(timestamp);
  }

  /**
   * @internal Appends a batch (no watermarks, no assigner): adopts the arrays when nothing is
   * collected yet, which is the usual case (one batch per poll), else copies them in.
   */
  appendBatch(records: T[], timestamps: number[]): void {
    const values = this.values;
    if (values.length === 0) {
      this.values = records;
      this.timestamps = timestamps;
      return;
    }
    const before = values.length;
    for (let i = 0; i < records.length; i++) values.push(records[i] as T);
    if (timestamps.length === 0) return;
    const own = this.timestamps;
    while (own.length < before) own.push(Number.NaN);
    for (let i = 0; i < timestamps.length; i++) own.push(timestamps[i] as number);
  }

  collect(record: T, timestamp?: number): void {
    this.mainUsed = true;
    this.main.collect(record, timestamp);
  }

  collectBatch(records: T[], timestamps: number[]): void {
    this.mainUsed = true;
    this.main.collectBatch(records, timestamps);
  }

  emitWatermark(watermark: number): void {
    this.mainUsed = true;
    this.main.emitWatermark(watermark);
  }

  markIdle(): void {
    this.main.markIdle();
    for (const s of this.splits.values()) s.markIdle();
  }

  markActive(): void {
    this.main.markActive();
  }

  createOutputForSplit(splitId: string): SourceOutput<T> {
    let out = this.splits.get(splitId);
    if (!out) {
      out = new OutputState(this, this.strategy.createGenerator());
      this.splits.set(splitId, out);
    }
    return out;
  }

  releaseOutputForSplit(splitId: string): void {
    this.splits.delete(splitId);
  }

  /** Takes the collected batch (the arrays are handed over, not copied). */
  takeBatch(): RecordBatch<T> {
    const batch = { values: this.values, timestamps: this.timestamps };
    this.values = [];
    this.timestamps = [];
    return batch;
  }

  get size(): number {
    return this.values.length;
  }

  /**
   * Runs the generators' periodic emit, applies idleness, and returns the new combined watermark
   * if it advanced (else undefined).
   */
  onPeriodicEmit(now: number = this.clock()): number | undefined {
    if (this.strategy.disabled) return undefined;
    const idleTimeout = this.strategy.idleTimeoutMs;
    let min = Number.POSITIVE_INFINITY;
    let active = 0;
    const consider = (o: OutputState<T>) => {
      o.tick(now, idleTimeout);
      if (o.idle) return;
      active++;
      if (o.watermark < min) min = o.watermark;
    };
    if (this.mainUsed || this.splits.size === 0) consider(this.main);
    for (const o of this.splits.values()) consider(o);
    this.idle = active === 0;
    if (active === 0 || min === Number.POSITIVE_INFINITY || min <= this.currentWatermark) return undefined;
    this.currentWatermark = min;
    return min;
  }
}
