import type { SourceSplit } from '../../api/source.js';
import { CoreErrorCodes } from '../../errors/error-codes.js';
import { isRetriable, TributaryError, toError } from '../../errors/tributary-error.js';
import { type Logger, silentLogger } from '../../logging/logger.js';
import { ElementQueue } from './element-queue.js';
import type { RecordsWithSplitIds } from './records-with-split-ids.js';
import { SourceReaderErrorCodes } from './source-reader-error-codes.js';
import {
  type SourceReaderBaseConfig,
  SourceReaderBaseOptions,
  type SourceReaderBaseOptionsInput,
} from './source-reader-options.js';
import { SplitFetcher } from './split-fetcher.js';
import type { SplitReaderFactory } from './split-reader.js';

/**
 * Owns the fetch loops of one reader and the hand-over queue they fill (Flink's
 * `SplitFetcherManager`). Subclasses decide how splits map to loops:
 * {@link SingleSplitFetcherManager} multiplexes every split on one loop (one client, e.g. a
 * Kafka consumer), {@link PerSplitFetcherManager} gives each split its own loop (one stream per
 * split, e.g. a file region or a Kinesis shard).
 *
 * All methods are called from the reader, on the subtask's serialized loop. The first fetch-loop
 * failure is kept: it wakes the reader and is rethrown by {@link checkErrors} on every later call.
 */
export abstract class SplitFetcherManager<E, SplitT extends SourceSplit> {
  /** The bounded hand-over queue the reader drains. */
  readonly queue: ElementQueue<RecordsWithSplitIds<E>>;
  /** Validated options (shared with the reader). */
  protected readonly config: SourceReaderBaseConfig;
  protected readonly logger: Logger;
  /** Running loops by id. */
  protected readonly fetchers = new Map<number, SplitFetcher<E, SplitT>>();
  private readonly closingFetchers = new Set<Promise<void>>();
  private nextFetcherId = 0;
  private failure: TributaryError | undefined;
  private closed: Promise<void> | undefined;

  constructor(
    private readonly splitReaderFactory: SplitReaderFactory<E, SplitT>,
    options: SourceReaderBaseOptionsInput = {},
    logger: Logger = silentLogger,
  ) {
    this.config = SourceReaderBaseOptions.parse(options);
    this.queue = new ElementQueue(this.config.elementQueueCapacity);
    this.logger = logger;
  }

  /** Hands new splits to fetch loops (starting loops as needed). */
  abstract addSplits(splits: readonly SplitT[]): void;

  /** The loop reading `splitId`, if any. */
  protected abstract fetcherFor(splitId: string): SplitFetcher<E, SplitT> | undefined;

  /**
   * Stops reading these splits (e.g. a deleted topic partition). The reader sees them as
   * finished once their already fetched batches were emitted.
   */
  removeSplits(splitIds: readonly string[]): void {
    this.checkOpen();
    for (const [fetcher, ids] of this.groupByFetcher(splitIds)) fetcher.removeSplits(ids);
  }

  /** Pauses and resumes splits (watermark alignment); unknown ids are ignored. */
  pauseOrResumeSplits(toPause: readonly string[], toResume: readonly string[]): void {
    this.checkOpen();
    const pauses = this.groupByFetcher(toPause);
    const resumes = this.groupByFetcher(toResume);
    for (const fetcher of new Set([...pauses.keys(), ...resumes.keys()])) {
      fetcher.pauseOrResumeSplits(pauses.get(fetcher) ?? [], resumes.get(fetcher) ?? []);
    }
  }

  /** Throws the first fetch-loop failure (a `TRIB_SOURCE_FETCH_FAILED` error), if any. */
  checkErrors(): void {
    if (this.failure) throw this.failure;
  }

  /** The first fetch-loop failure, if any. */
  get error(): TributaryError | undefined {
    return this.failure;
  }

  /** True when no loop has splits, tasks or undelivered batches (vacuously true with no loops). */
  allIdle(): boolean {
    for (const fetcher of this.fetchers.values()) if (!fetcher.isIdle()) return false;
    return true;
  }

  /** Number of running fetch loops. */
  get fetcherCount(): number {
    return this.fetchers.size;
  }

  /**
   * Closes every loop and its split reader (waking pending fetches). Idempotent. Rejects with
   * `TRIB_SOURCE_CLOSE_FAILED` when a split reader's `close()` failed, after all were closed.
   */
  close(): Promise<void> {
    this.closed ??= this.doClose();
    return this.closed;
  }

  /** Creates a loop with a fresh split reader and registers it; the caller adds splits, then starts it. */
  protected createFetcher(): SplitFetcher<E, SplitT> {
    this.checkOpen();
    const fetcher = new SplitFetcher<E, SplitT>(
      this.nextFetcherId++,
      this.splitReaderFactory(),
      this.queue,
      {
        onIdle: (f) => this.handleIdle(f),
        onError: (f, error) => this.handleError(f, error),
      },
      { closeTimeoutMs: this.config.fetcherCloseTimeoutMs, logger: this.logger },
    );
    this.fetchers.set(fetcher.id, fetcher);
    return fetcher;
  }

  /**
   * Called when a loop ran out of splits. The default keeps it (it waits for splits without
   * cost); {@link PerSplitFetcherManager} closes it.
   */
  protected onFetcherIdle(_fetcher: SplitFetcher<E, SplitT>): void {}

  /**
   * Unregisters `fetcher` and closes it in the background; {@link close} still waits for it. A
   * failing split reader `close()` here is logged, not rethrown: its split's data were all
   * delivered, so failing the job would only cause a needless restart.
   */
  protected retireFetcher(fetcher: SplitFetcher<E, SplitT>): void {
    this.fetchers.delete(fetcher.id);
    const closing: Promise<void> = fetcher
      .close()
      .catch((error: unknown) => {
        this.logger.warn(
          { fetcherId: fetcher.id, err: toError(error) },
          'closing a finished split reader failed',
        );
      })
      .finally(() => this.closingFetchers.delete(closing));
    this.closingFetchers.add(closing);
  }

  protected checkOpen(): void {
    if (this.closed) {
      throw new TributaryError(CoreErrorCodes.CLOSED, 'The split fetcher manager is closed', {
        context: { component: 'SplitFetcherManager' },
      });
    }
  }

  private handleIdle(fetcher: SplitFetcher<E, SplitT>): void {
    this.onFetcherIdle(fetcher);
    // The reader may be waiting for this to report end of input.
    this.queue.notifyAvailable();
  }

  private handleError(fetcher: SplitFetcher<E, SplitT>, error: unknown): void {
    const splitIds = fetcher.splitIds();
    if (!this.failure) {
      const cause = toError(error);
      this.failure = new TributaryError(
        SourceReaderErrorCodes.FETCH_FAILED,
        `Fetching splits [${splitIds.join(', ')}] failed: ${cause.message}`,
        { cause: error, retriable: isRetriable(error), context: { fetcherId: fetcher.id, splitIds } },
      );
    }
    this.logger.error({ fetcherId: fetcher.id, splitIds, err: toError(error) }, 'fetch loop failed');
    this.queue.notifyAvailable();
  }

  private groupByFetcher(splitIds: readonly string[]): Map<SplitFetcher<E, SplitT>, string[]> {
    const groups = new Map<SplitFetcher<E, SplitT>, string[]>();
    for (const id of splitIds) {
      const fetcher = this.fetcherFor(id);
      if (!fetcher) continue;
      const ids = groups.get(fetcher);
      if (ids) ids.push(id);
      else groups.set(fetcher, [id]);
    }
    return groups;
  }

  private async doClose(): Promise<void> {
    const closing = [...this.fetchers.values()].map((f) => f.close());
    this.fetchers.clear();
    const results = await Promise.allSettled([...closing, ...this.closingFetchers]);
    // Nobody may wait forever on a closed queue.
    this.queue.notifyAvailable();
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      throw new TributaryError(
        SourceReaderErrorCodes.CLOSE_FAILED,
        `Closing a split reader failed: ${toError(failed.reason).message}`,
        { cause: failed.reason },
      );
    }
  }
}
