import {
  type KinesisClient,
  type StartingPosition,
  SubscribeToShardCommand,
  type SubscribeToShardEventStream,
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
import { awsErrorName, isRetriableKinesisError, wrapKinesisError } from '../client/kinesis-errors.js';
import { applyStop, toKinesisRecords } from './fetched-records.js';
import type { KinesisRecord } from './kinesis-record.js';
import { type StreamTarget, streamLabel } from './kinesis-shard-discoverer.js';
import type { KinesisShardSplit, ShardPosition } from './kinesis-shard-split.js';
import type { ResolvedKinesisSourceOptions } from './kinesis-source-options.js';
import type { ShardMetrics } from './shard-metrics.js';

/** Consecutive failed subscriptions (not contention) before the reader fails the job. */
const MAX_CONSECUTIVE_ERRORS = 10;
/** Errors of a subscription that another subscription or a limit causes: back off and resubscribe. */
const CONTENTION = new Set([
  'ResourceInUseException',
  'LimitExceededException',
  'ProvisionedThroughputExceededException',
]);

/**
 * Reads one shard with enhanced fan-out: `SubscribeToShard` pushes events over HTTP/2 for up to
 * five minutes; the reader resubscribes after the last event's continuation sequence number
 * when a subscription ends. The shard ends with the event that has no continuation (closed by
 * resharding and fully read) or at a bounded split's stop.
 */
export class KinesisFanOutSplitReader implements SplitReader<KinesisRecord, KinesisShardSplit> {
  private split: KinesisShardSplit | undefined;
  private position: ShardPosition | undefined;
  private events: AsyncIterator<SubscribeToShardEventStream> | undefined;
  private pendingEvent: Promise<IteratorResult<SubscribeToShardEventStream>> | undefined;
  private nextAttemptAt = 0;
  private failuresInARow = 0;
  private readonly latch = new WakeUpLatch();
  private readonly label: string;

  constructor(
    private readonly client: KinesisClient,
    target: StreamTarget,
    private readonly consumerArn: () => Promise<string>,
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
    const wait = this.nextAttemptAt - Date.now();
    if (wait > 0 && (await this.latch.sleep(wait))) return RecordsBySplits.empty();
    let result: IteratorResult<SubscribeToShardEventStream>;
    try {
      this.events ??= await this.subscribe(split);
      this.pendingEvent ??= this.events.next();
      const raced = await this.latch.race(this.pendingEvent);
      // Woken: the pending event stays for the next fetch.
      if (raced.woken) return RecordsBySplits.empty();
      this.pendingEvent = undefined;
      result = raced.value;
    } catch (error) {
      return this.onError(split, error);
    }
    if (result.done) {
      // The subscription ended (after 5 minutes): resubscribe from the continuation.
      this.events = undefined;
      return RecordsBySplits.empty();
    }
    const event = result.value.SubscribeToShardEvent;
    if (event === undefined) {
      const [name, detail] = Object.entries(result.value)[0] ?? ['UnknownEvent', {}];
      return this.onError(split, Object.assign(new Error(`${name} in the event stream`), detail, { name }));
    }
    this.failuresInARow = 0;
    const receivedAt = Date.now();
    const raw = event.Records ?? [];
    this.metrics.recordFetch(split.shardId, event.MillisBehindLatest, raw);
    const { records, stopped } = applyStop(
      split,
      toKinesisRecords(this.label, split, raw, this.options.deaggregate),
      raw.length === 0,
      event.MillisBehindLatest === 0,
      receivedAt,
    );
    if (event.ContinuationSequenceNumber !== undefined)
      this.position = { type: 'after-sequence-number', sequenceNumber: event.ContinuationSequenceNumber };
    const finished = stopped || event.ContinuationSequenceNumber === undefined;
    if (finished) {
      this.logger.debug({ shard: split.shardId }, 'Kinesis shard ended (fan-out)');
      this.unsubscribe();
      this.split = undefined;
    }
    return RecordsBySplits.forSplit(split.splitId, records, finished);
  }

  handleSplitsChanges(change: SplitsChange<KinesisShardSplit>): void {
    for (const split of change.splits) {
      if (change.type === 'add') {
        this.split = split;
        this.position = split.position;
        this.unsubscribe();
      } else if (this.split?.splitId === split.splitId) {
        this.split = undefined;
        this.unsubscribe();
      }
    }
  }

  wakeUp(): void {
    this.latch.wakeUp();
  }

  async close(): Promise<void> {
    this.unsubscribe();
    this.client.destroy();
  }

  private async subscribe(split: KinesisShardSplit): Promise<AsyncIterator<SubscribeToShardEventStream>> {
    const output = await this.client.send(
      new SubscribeToShardCommand({
        ConsumerARN: await this.consumerArn(),
        ShardId: split.shardId,
        StartingPosition: startingPosition(this.position ?? split.position),
      }),
    );
    if (output.EventStream === undefined) throw new Error('SubscribeToShard returned no event stream');
    return output.EventStream[Symbol.asyncIterator]();
  }

  private unsubscribe(): void {
    const events = this.events;
    this.events = undefined;
    this.pendingEvent?.catch(() => undefined);
    this.pendingEvent = undefined;
    void events?.return?.()?.catch(() => undefined);
  }

  private onError(split: KinesisShardSplit, error: unknown): RecordsWithSplitIds<KinesisRecord> {
    this.unsubscribe();
    const name = awsErrorName(error);
    this.failuresInARow++;
    if (CONTENTION.has(name)) {
      this.metrics.recordThrottled(split.shardId);
      this.nextAttemptAt =
        Date.now() +
        backoffDelayMs(this.failuresInARow, {
          initialDelayMs: this.options.throttleBackoffInitialMs,
          maxDelayMs: this.options.throttleBackoffMaxMs,
        });
      this.logger.debug(
        { shard: split.shardId, error: name },
        'Kinesis subscription refused; resubscribing later',
      );
      return RecordsBySplits.empty();
    }
    const wrapped = wrapKinesisError(error, 'SubscribeToShard', { stream: this.label, shard: split.shardId });
    if (!isRetriableKinesisError(error) || this.failuresInARow >= MAX_CONSECUTIVE_ERRORS) throw wrapped;
    this.nextAttemptAt =
      Date.now() + backoffDelayMs(this.failuresInARow, { initialDelayMs: 200, maxDelayMs: 5_000 });
    this.logger.warn(
      { err: wrapped.message, shard: split.shardId },
      'Kinesis subscription failed; resubscribing',
    );
    return RecordsBySplits.empty();
  }
}

/** The SubscribeToShard starting position of a shard position. */
function startingPosition(position: ShardPosition): StartingPosition {
  switch (position.type) {
    case 'trim-horizon':
      return { Type: 'TRIM_HORIZON' };
    case 'latest':
      return { Type: 'LATEST' };
    case 'at-timestamp':
      return { Type: 'AT_TIMESTAMP', Timestamp: new Date(position.timestamp) };
    case 'after-sequence-number':
      return position.sub === undefined
        ? { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: position.sequenceNumber }
        : { Type: 'AT_SEQUENCE_NUMBER', SequenceNumber: position.sequenceNumber };
  }
}
