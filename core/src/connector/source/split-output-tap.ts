import { collectBatch, type SourceOutput } from '../../api/source.js';

/**
 * The output {@link SourceReaderBase} hands to the record emitter: forwards to the current
 * split's output and remembers the last source timestamp (for `lastEmitEventTime`). One object
 * per reader, retargeted when the reader moves to another split, so it costs no allocation.
 * @internal
 */
export class SplitOutputTap<T> implements SourceOutput<T> {
  target: SourceOutput<T> | undefined;
  /** The timestamp of the last record collected with one since {@link reset}. */
  lastTimestamp: number | undefined;

  reset(): void {
    this.lastTimestamp = undefined;
  }

  collect(record: T, timestamp?: number): void {
    if (timestamp !== undefined) this.lastTimestamp = timestamp;
    (this.target as SourceOutput<T>).collect(record, timestamp);
  }

  collectBatch(records: T[], timestamps: number[]): void {
    // The last record that has a timestamp, as collect() would have left it.
    for (let i = Math.min(timestamps.length, records.length) - 1; i >= 0; i--) {
      const timestamp = timestamps[i] as number;
      if (!Number.isNaN(timestamp)) {
        this.lastTimestamp = timestamp;
        break;
      }
    }
    collectBatch(this.target as SourceOutput<T>, records, timestamps);
  }

  emitWatermark(watermark: number): void {
    (this.target as SourceOutput<T>).emitWatermark(watermark);
  }

  markIdle(): void {
    (this.target as SourceOutput<T>).markIdle();
  }

  markActive(): void {
    (this.target as SourceOutput<T>).markActive();
  }
}
