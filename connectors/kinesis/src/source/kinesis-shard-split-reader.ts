import {
  type _Record,
  GetRecordsCommand,
  type GetRecordsOutput,
  GetShardIteratorCommand,
  type GetShardIteratorInput,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { type Logger, RecordsBySplits, type RecordsWithSplitIds } from '@tributary/core';
import { awsErrorName, isThrottling } from '../client/kinesis-errors.js';
import type { KinesisRecord } from './kinesis-record.js';
import type { StreamTarget } from './kinesis-shard-discoverer.js';
import type { KinesisShardSplit, ShardPosition } from './kinesis-shard-split.js';
import type { ResolvedKinesisSourceOptions } from './kinesis-source-options.js';
import type { ShardMetrics } from './shard-metrics.js';
import { ShardSplitReaderBase } from './shard-split-reader-base.js';

/** Kinesis serves at most 2 MB/s per shard to GetRecords. */
const SHARD_READ_BYTES_PER_SECOND = 2 * 1024 * 1024;

/**
 * Reads one shard with GetShardIterator / GetRecords (one loop per shard, from
 * `PerSplitFetcherManager`). Pacing keeps each shard within 5 calls/s and 2 MB/s; throttling
 * backs off exponentially; an expired iterator is renewed from the last fetched sequence number.
 * The shard ends when GetRecords returns no next iterator (closed by resharding and fully read)
 * or, for a bounded read, at the first record after the stop time or at the tip after it.
 */
export class KinesisShardSplitReader extends ShardSplitReaderBase {
  private iterator: string | undefined;
  private throttledInARow = 0;
  private errorsInARow = 0;

  constructor(
    client: KinesisClient,
    private readonly target: StreamTarget,
    options: ResolvedKinesisSourceOptions,
    metrics: ShardMetrics,
    logger: Logger,
  ) {
    super(client, target, options, metrics, logger);
  }

  protected async readShard(split: KinesisShardSplit): Promise<RecordsWithSplitIds<KinesisRecord>> {
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
    this.iterator = response.NextShardIterator;
    this.nextCallAt = this.pacedNextCall(startedAt, raw, caughtUp);
    return this.emit(
      split,
      {
        raw,
        millisBehindLatest: response.MillisBehindLatest,
        at: startedAt,
        continueAfter: raw[raw.length - 1]?.SequenceNumber,
        shardEnded: response.NextShardIterator === undefined,
      },
      'Kinesis shard ended',
    );
  }

  protected resetRead(): void {
    this.iterator = undefined;
  }

  private async shardIterator(split: KinesisShardSplit): Promise<string> {
    const position = this.position ?? split.position;
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
    if (awsErrorName(error) === 'ExpiredIteratorException') {
      // Renewed from the last fetched record on the next fetch; nothing was skipped.
      this.iterator = undefined;
      this.logger.debug({ shard: split.shardId }, 'Kinesis shard iterator expired; renewing it');
      return RecordsBySplits.empty();
    }
    if (isThrottling(error))
      return this.backOffThrottled(split, ++this.throttledInARow, 'Kinesis shard throttled; backing off');
    return this.retryOrFail(
      split,
      error,
      'GetRecords',
      ++this.errorsInARow,
      'Kinesis GetRecords failed; retrying',
    );
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
