import type { SourceSplit } from '../../api/source.js';
import type { SplitReader } from './split-reader.js';

/**
 * A unit of work run on a fetch loop, between two fetches, with exclusive use of its split
 * reader (Flink's `SplitFetcherTask`). The base uses tasks for adding, removing, pausing and
 * resuming splits; connectors enqueue their own through {@link SplitFetcher.enqueueTask}, e.g.
 * committing Kafka offsets with the consumer that owns them.
 *
 * Enqueueing a task wakes a pending fetch up, so tasks run promptly. A task that throws ends the
 * fetch loop like a failed fetch (the reader rethrows the error): catch and log errors that
 * should not fail the job (a best-effort offset commit).
 */
export interface SplitFetcherTask<E, SplitT extends SourceSplit> {
  /** Names the task in logs and errors. */
  readonly name: string;
  run(splitReader: SplitReader<E, SplitT>): void | Promise<void>;
}
