import {
  type _Record,
  GetRecordsCommand,
  type GetRecordsOutput,
  GetShardIteratorCommand,
  type GetShardIteratorInput,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import {
  backoffDelayMs,
  type Logger,
  RecordsBySplits,
  type RecordsWithSplitIds,
  type SplitReader,
  type SplitsChange,
  WakeUpLatch,
} from '@tributary/core';
import {
  awsErrorName,
  isRetriableKinesisError,
  isThrottling,
  wrapKinesisError,
} from '../client/kinesis-errors.js';
import { applyStop, toKinesisRecords } from './fetched-records.js';
import type { KinesisRecord } from './kinesis-record.js';
import { type StreamTarget, streamLabel } from './kinesis-shard-discoverer.js';
import type { KinesisShardSplit, ShardPosition } from './kinesis-shard-split.js';
import type { ResolvedKinesisSourceOptions } from './kinesis-source-options.js';
import type { ShardMetrics } from './shard-metrics.js';

/** Kinesis serves at most 2 MB/s per shard to GetRecords. */
const SHARD_READ_BYTES_PER_SECOND = 2 * 1024 * 1024;
/** Consecutive failed calls (not throttling) before the reader gives up and fails the job. */
const MAX_CONSECUTIVE_ERRORS = 10;

/**
 * Reads one shard with GetShardIterator / GetRecords (one loop per shard, from
 * `PerSplitFetcherManager`). Pacing keeps each shard within 5 calls/s and 2 MB/s; throttling
 * backs off exponentially; an expired iterator is renewed from the last fetched sequence number.
 * The shard ends when GetRecords returns no next iterator (closed by resharding and fully read)
 * or, for a bounded read, at the first record after the stop time or at the tip after it.
 */
export class KinesisShardSplitReader implements SplitReader<KinesisRecord, KinesisShardSplit> {
  private split: KinesisShardSplit | undefined;
  private iterator: string | undefined;
  /** Where the next iterator starts: the split's position, then after the last fetched record. */
  private fetchPosition: ShardPosition | undefined;
  private nextCallAt = 0;
  private throttledInARow = 0;
  private errorsInARow = 0;
  private readonly latch = new WakeUpLatch();
  private readonly label: string;

  constructor(
    private readonly client: KinesisClient,
    private readonly target: StreamTarget,
    private readonly options: ResolvedKinesisSourceOptions,
    private readonly metrics: ShardMetrics,
    private readonly logger: Logger,
  ) {
    this.label = streamLabel(target);
  }

  async fetch(): Promise<RecordsWithSplitIds<KinesisRecord>> {
    const split = this.split;
    if (split === undefined) {
      await this.latch.sleep(1_000);
      return RecordsBySplits.empty();
    }
    const wait = this.nextCallAt - Date.now();
    if (wait > 0 && (await this.latch.sleep(wait))) return RecordsBySplits.empty();
    let startedAt = Date.now();
    let response: GetRecordsOutput;
    try {
      this.iterator ??= await this.shardIterator(split);
      // Paced from the GetRecords call itself: the 5 calls/s limit counts GetRecords only.
      startedAt = Date.now();
      response = await this.client.send(
        new GetRecordsCommand({ ShardIterator: this.iterator, Limit: this.options.getRecordsMaxRecords }),
      );
    } catch (error) {
      return this.onError(split, error);
    }
    this.throttledInARow = 0;
    this.errorsInARow = 0;
    const raw = response.Records ?? [];
    const caughtUp = response.MillisBehindLatest === 0;
    this.metrics.recordFetch(split.shardId, response.MillisBehindLatest, raw);
    const { records, stopped } = applyStop(
      split,
      toKinesisRecords(this.label, split, raw, this.options.deaggregate),
      raw.length === 0,
      caughtUp,
      startedAt,
    );
    const finished = stopped || response.NextShardIterator === undefined;
    const last = raw[raw.length - 1];
    if (last?.SequenceNumber !== undefined)
      this.fetchPosition = { type: 'after-sequence-number', sequenceNumber: last.SequenceNumber };
    this.iterator = response.NextShardIterator;
    this.nextCallAt = this.pacedNextCall(startedAt, raw, caughtUp);
    if (finished) {
      this.logger.debug({ shard: split.shardId }, 'Kinesis shard ended');
      this.split = undefined;
    }
    return RecordsBySplits.forSplit(split.splitId, records, finished);
  }

  handleSplitsChanges(change: SplitsChange<KinesisShardSplit>): void {
    for (const split of change.splits) {
      if (change.type === 'add') {
        this.split = split;
        this.fetchPosition = split.position;
        this.iterator = undefined;
      } else if (this.split?.splitId === split.splitId) {
        this.split = undefined;
      }
    }
  }

  wakeUp(): void {
    this.latch.wakeUp();
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  private async shardIterator(split: KinesisShardSplit): Promise<string> {
    const position = this.fetchPosition ?? split.position;
    const input: GetShardIteratorInput = {
      ...this.target,
      ShardId: split.shardId,
      ...iteratorStart(position),
    };
    const result = await this.client.send(new GetShardIteratorCommand(input));
    if (result.ShardIterator === undefined) throw new Error('GetShardIterator returned no iterator');
    return result.ShardIterator;
  }

  /** At least `getRecordsIntervalMs` apart, long enough for 2 MB/s, and `idleIntervalMs` at the tip. */
  private pacedNextCall(startedAt: number, raw: readonly _Record[], caughtUp: boolean): number {
    if (raw.length === 0 && caughtUp) return Date.now() + this.options.idleIntervalMs;
    let bytes = 0;
    for (const r of raw) bytes += r.Data?.byteLength ?? 0;
    const byBytes = (bytes / SHARD_READ_BYTES_PER_SECOND) * 1000;
    return startedAt + Math.max(this.options.getRecordsIntervalMs, byBytes);
  }

  private onError(split: KinesisShardSplit, error: unknown): RecordsWithSplitIds<KinesisRecord> {
    const name = awsErrorName(error);
    if (name === 'ExpiredIteratorException') {
      // Renewed from the last fetched record on the next fetch; nothing was skipped.
      this.iterator = undefined;
      this.logger.debug({ shard: split.shardId }, 'Kinesis shard iterator expired; renewing it');
      return RecordsBySplits.empty();
    }
    if (isThrottling(error)) {
      this.throttledInARow++;
      this.metrics.recordThrottled(split.shardId);
      const delay = backoffDelayMs(this.throttledInARow, {
        initialDelayMs: this.options.throttleBackoffInitialMs,
        maxDelayMs: this.options.throttleBackoffMaxMs,
      });
      this.nextCallAt = Date.now() + delay;
      this.logger.debug({ shard: split.shardId, delayMs: delay }, 'Kinesis shard throttled; backing off');
      return RecordsBySplits.empty();
    }
    this.errorsInARow++;
    const wrapped = wrapKinesisError(error, 'GetRecords', { stream: this.label, shard: split.shardId });
    if (!isRetriableKinesisError(error) || this.errorsInARow >= MAX_CONSECUTIVE_ERRORS) throw wrapped;
    this.iterator = undefined;
    this.nextCallAt =
      Date.now() + backoffDelayMs(this.errorsInARow, { initialDelayMs: 200, maxDelayMs: 5_000 });
    this.logger.warn({ err: wrapped.message, shard: split.shardId }, 'Kinesis GetRecords failed; retrying');
    return RecordsBySplits.empty();
  }
}

/** The GetShardIterator arguments of a position. */
function iteratorStart(
  position: ShardPosition,
): Pick<GetShardIteratorInput, 'ShardIteratorType' | 'StartingSequenceNumber' | 'Timestamp'> {
  switch (position.type) {
    case 'trim-horizon':
      return { ShardIteratorType: 'TRIM_HORIZON' };
    case 'latest':
      return { ShardIteratorType: 'LATEST' };
    case 'at-timestamp':
      return { ShardIteratorType: 'AT_TIMESTAMP', Timestamp: new Date(position.timestamp) };
    case 'after-sequence-number':
      // Inside an aggregated record: read it again and skip its emitted sub-records.
      return position.sub === undefined
        ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: position.sequenceNumber }
        : { ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: position.sequenceNumber };
  }
}
