import type { SourceSplit } from '../../api/source.js';
import { CoreErrorCodes } from '../../errors/error-codes.js';
import { TributaryError } from '../../errors/tributary-error.js';
import type { SplitFetcher } from './split-fetcher.js';
import { SplitFetcherManager } from './split-fetcher-manager.js';

/**
 * One fetch loop, with its own split reader, per split: for sources read as one independent
 * stream per split (a file region, a Kinesis shard, a JDBC key range). Splits are fetched in
 * parallel and a slow split never delays another's fetch. When a split finishes (or is removed)
 * its loop and split reader are closed.
 *
 * All loops share one hand-over queue, so `elementQueueCapacity` bounds the batches buffered for
 * the whole reader; each loop holds at most one more batch while it waits for space.
 */
export class PerSplitFetcherManager<E, SplitT extends SourceSplit> extends SplitFetcherManager<E, SplitT> {
  private readonly bySplit = new Map<string, SplitFetcher<E, SplitT>>();
  private readonly splitOf = new Map<SplitFetcher<E, SplitT>, string>();

  addSplits(splits: readonly SplitT[]): void {
    this.checkOpen();
    for (const split of splits) {
      if (this.bySplit.has(split.splitId)) {
        throw new TributaryError(
          CoreErrorCodes.CONTRACT_VIOLATION,
          `Split '${split.splitId}' was added twice to the same reader`,
          { context: { splitId: split.splitId } },
        );
      }
    }
    for (const split of splits) {
      const fetcher = this.createFetcher();
      this.bySplit.set(split.splitId, fetcher);
      this.splitOf.set(fetcher, split.splitId);
      // Added before start, so the new loop is never seen idle (which would close it).
      fetcher.addSplits([split]);
      fetcher.start();
    }
  }

  protected fetcherFor(splitId: string): SplitFetcher<E, SplitT> | undefined {
    return this.bySplit.get(splitId);
  }

  protected override onFetcherIdle(fetcher: SplitFetcher<E, SplitT>): void {
    const splitId = this.splitOf.get(fetcher);
    this.splitOf.delete(fetcher);
    if (splitId !== undefined && this.bySplit.get(splitId) === fetcher) this.bySplit.delete(splitId);
    this.retireFetcher(fetcher);
  }
}
