/**
 * Event time: timestamp assigners, watermark generators and strategies (Flink's
 * `WatermarkStrategy`). Timestamps and watermarks are ms since the epoch.
 */

export interface WatermarkOutput {
  emitWatermark(watermark: number): void;
  markIdle(): void;
  markActive(): void;
}

/** Generates watermarks for one split (each split has its own generator). */
export interface WatermarkGenerator<T> {
  /** Called for every record (keep it cheap). */
  onEvent(record: T, timestamp: number, output: WatermarkOutput): void;
  /** Called every `autoWatermarkIntervalMs` by the runtime. */
  onPeriodicEmit(output: WatermarkOutput): void;
}

/** Extracts a record's event time; `recordTimestamp` is the one the source attached (if any). */
export type TimestampAssigner<T> = (record: T, recordTimestamp: number | undefined) => number | undefined;

export interface WatermarkStrategy<T> {
  createGenerator(): WatermarkGenerator<T>;
  /** Overrides source timestamps; when absent the source's timestamps are used. */
  readonly timestampAssigner?: TimestampAssigner<T> | undefined;
  /** A split (or reader) with no records for this long is idle and stops holding the watermark. */
  readonly idleTimeoutMs?: number | undefined;
  /** Set for `noWatermarks()`, so the runtime can skip watermark bookkeeping entirely. */
  readonly disabled?: boolean;
}
