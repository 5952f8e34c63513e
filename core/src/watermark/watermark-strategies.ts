import type {
  TimestampAssigner,
  WatermarkGenerator,
  WatermarkOutput,
  WatermarkStrategy,
} from '../api/watermark.js';

/** Emits `maxTimestamp - maxOutOfOrdernessMs - 1` periodically (Flink's BoundedOutOfOrdernessWatermarks). */
export class BoundedOutOfOrdernessGenerator<T> implements WatermarkGenerator<T> {
  private maxTimestamp = Number.NEGATIVE_INFINITY;
  constructor(private readonly maxOutOfOrdernessMs: number) {}
  onEvent(_record: T, timestamp: number): void {
    if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp;
  }
  onPeriodicEmit(output: WatermarkOutput): void {
    if (this.maxTimestamp !== Number.NEGATIVE_INFINITY) {
      output.emitWatermark(this.maxTimestamp - this.maxOutOfOrdernessMs - 1);
    }
  }
}

/** A watermark strategy with a fluent builder for the assigner and idleness. */
export class Watermarks<T> implements WatermarkStrategy<T> {
  private constructor(
    private readonly factory: () => WatermarkGenerator<T>,
    readonly timestampAssigner: TimestampAssigner<T> | undefined,
    readonly idleTimeoutMs: number | undefined,
    readonly disabled: boolean,
  ) {}

  /** No watermarks at all (processing-time pipelines); the runtime skips the bookkeeping. */
  static none<T>(): Watermarks<T> {
    return new Watermarks<T>(() => ({ onEvent() {}, onPeriodicEmit() {} }), undefined, undefined, true);
  }

  /** Timestamps only ever increase (per split): watermark = max timestamp - 1. */
  static monotonous<T>(): Watermarks<T> {
    return new Watermarks<T>(() => new BoundedOutOfOrdernessGenerator<T>(0), undefined, undefined, false);
  }

  /** Records may arrive up to `maxOutOfOrdernessMs` late. */
  static boundedOutOfOrderness<T>(maxOutOfOrdernessMs: number): Watermarks<T> {
    if (!(maxOutOfOrdernessMs >= 0)) throw new RangeError('maxOutOfOrdernessMs must be >= 0');
    return new Watermarks<T>(
      () => new BoundedOutOfOrdernessGenerator<T>(maxOutOfOrdernessMs),
      undefined,
      undefined,
      false,
    );
  }

  /** A custom generator (one instance per split). */
  static forGenerator<T>(factory: () => WatermarkGenerator<T>): Watermarks<T> {
    return new Watermarks<T>(factory, undefined, undefined, false);
  }

  createGenerator(): WatermarkGenerator<T> {
    return this.factory();
  }

  /** Derives the event time from the record instead of the source's timestamp. */
  withTimestampAssigner(assigner: TimestampAssigner<T>): Watermarks<T> {
    return new Watermarks<T>(this.factory, assigner, this.idleTimeoutMs, this.disabled);
  }

  /** Marks a split idle after `idleTimeoutMs` without records. */
  withIdleness(idleTimeoutMs: number): Watermarks<T> {
    if (!(idleTimeoutMs > 0)) throw new RangeError('idleTimeoutMs must be > 0');
    return new Watermarks<T>(this.factory, this.timestampAssigner, idleTimeoutMs, this.disabled);
  }
}
