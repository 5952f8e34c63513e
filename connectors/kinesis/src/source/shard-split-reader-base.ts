import type { _Record, KinesisClient } from '@aws-sdk/client-kinesis';
import {
  backoffDelayMs,
  type Logger,
  RecordsBySplits,
  type RecordsWithSplitIds,
  type SplitReader,
  type SplitsChange,
  WakeUpLatch,
} from '@tributary/core';
import { isRetriableKinesisError, wrapKinesisError } from '../client/kinesis-errors.js';
import { applyStop, toKinesisRecords } from './fetched-records.js';
import type { KinesisRecord } from './kinesis-record.js';
import { type StreamTarget, streamLabel } from './kinesis-shard-discoverer.js';
import type { KinesisShardSplit, ShardPosition } from './kinesis-shard-split.js';
import type { ResolvedKinesisSourceOptions } from './kinesis-source-options.js';
import type { ShardMetrics } from './shard-metrics.js';

/** Consecutive failed calls (not throttling or contention) before the reader fails the job. */
const MAX_CONSECUTIVE_ERRORS = 10;

/** One batch a shard read returned, as both read modes (polling, fan-out) see it. */
export interface ShardBatch {
  readonly raw: readonly _Record[];
  readonly millisBehindLatest: number | undefined;
  /** When the batch was asked for or received: the bounded stop compares against it. */
  readonly at: number;
  /** The sequence number the next read continues after; undefined leaves the position as it is. */
  readonly continueAfter: string | undefined;
  /** The shard has no more data (closed by resharding and fully read). */
  readonly shardEnded: boolean;
}

/**
 * What reading one shard looks like in both read modes: one split at a time, a position to
 * resume from, waits paced by `nextCallAt` and cut short by `wakeUp()`, the bounded stop, and
 * the backoff/give-up rules for failures. Subclasses make the calls (`readShard`) and drop
 * their read state (`resetRead`) when the split changes or ends.
 */
export abstract class ShardSplitReaderBase implements SplitReader<KinesisRecord, KinesisShardSplit> {
  protected split: KinesisShardSplit | undefined;
  /** Where the next read starts: the split's position, then after the last fetched record. */
  protected position: ShardPosition | undefined;
  protected nextCallAt = 0;
  protected readonly latch = new WakeUpLatch();
  protected readonly label: string;

  constructor(
    protected readonly client: KinesisClient,
    target: StreamTarget,
    protected readonly options: ResolvedKinesisSourceOptions,
    protected readonly metrics: ShardMetrics,
    protected readonly logger: Logger,
  ) {
    this.label = streamLabel(target);
  }

  async fetch(): Promise<RecordsWithSplitIds<KinesisRecord>> {
    const split = this.split;
    if (split === undefined) {
      await this.latch.sleep(1_000);
      return RecordsBySplits.empty();
    }
    // Checked again after each sleep: a timer runs from the event loop's cached time, so under
    // load it can fire a few ms before `nextCallAt` by the wall clock.
    for (let wait = this.nextCallAt - Date.now(); wait > 0; wait = this.nextCallAt - Date.now())
      if (await this.latch.sleep(wait)) return RecordsBySplits.empty();
    return this.readShard(split);
  }

  handleSplitsChanges(change: SplitsChange<KinesisShardSplit>): void {
    for (const split of change.splits) {
      if (change.type === 'add') {
        this.split = split;
        this.position = split.position;
        this.resetRead();
      } else if (this.split?.splitId === split.splitId) {
        this.split = undefined;
        this.resetRead();
      }
    }
  }

  wakeUp(): void {
    this.latch.wakeUp();
  }

  async close(): Promise<void> {
    this.resetRead();
    this.client.destroy();
  }

  /** One read of the current split (after the pacing wait). */
  protected abstract readShard(split: KinesisShardSplit): Promise<RecordsWithSplitIds<KinesisRecord>>;

  /** Drops the iterator or subscription; the next read starts again from `position`. */
  protected abstract resetRead(): void;

  /** Records, metrics and position of a batch; ends the split at its stop or the shard's end. */
  protected emit(
    split: KinesisShardSplit,
    batch: ShardBatch,
    endedLog: string,
  ): RecordsWithSplitIds<KinesisRecord> {
    const { raw } = batch;
    this.metrics.recordFetch(split.shardId, batch.millisBehindLatest, raw);
    const { records, stopped } = applyStop(
      split,
      toKinesisRecords(this.label, split, raw, this.options.deaggregate),
      raw.length === 0,
      batch.millisBehindLatest === 0,
      batch.at,
    );
    if (batch.continueAfter !== undefined)
      this.position = { type: 'after-sequence-number', sequenceNumber: batch.continueAfter };
    const finished = stopped || batch.shardEnded;
    if (finished) {
      this.logger.debug({ shard: split.shardId }, endedLog);
      this.resetRead();
      this.split = undefined;
    }
    return RecordsBySplits.forSplit(split.splitId, records, finished);
  }

  /** Throttled or refused: count it, back off exponentially within the throttle bounds. */
  protected backOffThrottled(
    split: KinesisShardSplit,
    attempt: number,
    message: string,
    fields: Record<string, unknown> = {},
  ): RecordsWithSplitIds<KinesisRecord> {
    this.metrics.recordThrottled(split.shardId);
    const delay = backoffDelayMs(attempt, {
      initialDelayMs: this.options.throttleBackoffInitialMs,
      maxDelayMs: this.options.throttleBackoffMaxMs,
    });
    this.nextCallAt = Date.now() + delay;
    this.logger.debug({ shard: split.shardId, ...fields, delayMs: delay }, message);
    return RecordsBySplits.empty();
  }

  /**
   * Any other failure: the wrapped error fails the job when it is not retriable or the
   * `attempt`-th in a row; otherwise the read is retried after a backoff.
   */
  protected retryOrFail(
    split: KinesisShardSplit,
    error: unknown,
    operation: string,
    attempt: number,
    message: string,
  ): RecordsWithSplitIds<KinesisRecord> {
    const wrapped = wrapKinesisError(error, operation, { stream: this.label, shard: split.shardId });
    if (!isRetriableKinesisError(error) || attempt >= MAX_CONSECUTIVE_ERRORS) throw wrapped;
    this.resetRead();
    this.nextCallAt = Date.now() + backoffDelayMs(attempt, { initialDelayMs: 200, maxDelayMs: 5_000 });
    this.logger.warn({ err: wrapped.message, shard: split.shardId }, message);
    return RecordsBySplits.empty();
  }
}
