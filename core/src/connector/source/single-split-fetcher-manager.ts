import type { SourceSplit } from '../../api/source.js';
import type { SplitFetcher } from './split-fetcher.js';
import { SplitFetcherManager } from './split-fetcher-manager.js';

/**
 * One fetch loop multiplexing every split of the reader (Flink's `SingleThreadFetcherManager`):
 * for clients that read many splits at once through one connection, such as a Kafka consumer or
 * a Pulsar consumer. The loop is created with the first splits and kept while idle (waiting for
 * splits costs nothing), until the reader closes.
 */
export class SingleSplitFetcherManager<E, SplitT extends SourceSplit> extends SplitFetcherManager<E, SplitT> {
  private fetcher: SplitFetcher<E, SplitT> | undefined;

  addSplits(splits: readonly SplitT[]): void {
    this.checkOpen();
    if (splits.length === 0) return;
    const existing = this.fetcher;
    if (existing) {
      existing.addSplits(splits);
      return;
    }
    const fetcher = this.createFetcher();
    this.fetcher = fetcher;
    fetcher.addSplits(splits);
    fetcher.start();
  }

  /** The one loop, once splits were added; for connectors that enqueue their own tasks. */
  runningFetcher(): SplitFetcher<E, SplitT> | undefined {
    return this.fetcher;
  }

  protected fetcherFor(_splitId: string): SplitFetcher<E, SplitT> | undefined {
    return this.fetcher;
  }
}
