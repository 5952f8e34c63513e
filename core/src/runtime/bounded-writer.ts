import type { SinkWriter, SinkWriterContext } from '../api/sink.js';

/**
 * @internal A writer that holds a bounded number of records (the async stage): the subtask waits
 * until it has room before polling and asks the reader for no more than that (the reader's
 * `recordsWanted`), so records are not made ahead only to wait in a poll batch.
 */
export interface BoundedWriter {
  /** Records `write` takes now without waiting. */
  recordsAccepted(): number;
  /** Resolves when room may have been made (check `recordsAccepted()` again); rejects with the writer's failure. */
  whenAccepting(): Promise<void>;
  /**
   * `write` for a batch of at most `recordsAccepted()` records: takes it at once, with no promise
   * to wait for (throws the writer's failure). The writer keeps the batch: the caller hands it over.
   */
  writeAccepted(batch: readonly unknown[], ctx: SinkWriterContext): void;
}

export function isBoundedWriter(writer: SinkWriter<unknown>): writer is SinkWriter<unknown> & BoundedWriter {
  const w = writer as Partial<BoundedWriter>;
  return (
    typeof w.recordsAccepted === 'function' &&
    typeof w.whenAccepting === 'function' &&
    typeof w.writeAccepted === 'function'
  );
}
