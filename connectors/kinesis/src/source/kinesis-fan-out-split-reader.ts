import {
  type KinesisClient,
  type StartingPosition,
  SubscribeToShardCommand,
  type SubscribeToShardEventStream,
} from '@aws-sdk/client-kinesis';
import { type Logger, RecordsBySplits, type RecordsWithSplitIds } from '@tributary/core';
import { awsErrorName } from '../client/kinesis-errors.js';
import type { KinesisRecord } from './kinesis-record.js';
import type { StreamTarget } from './kinesis-shard-discoverer.js';
import type { KinesisShardSplit, ShardPosition } from './kinesis-shard-split.js';
import type { ResolvedKinesisSourceOptions } from './kinesis-source-options.js';
import type { ShardMetrics } from './shard-metrics.js';
import { ShardSplitReaderBase } from './shard-split-reader-base.js';

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
export class KinesisFanOutSplitReader extends ShardSplitReaderBase {
  private events: AsyncIterator<SubscribeToShardEventStream> | undefined;
  private pendingEvent: Promise<IteratorResult<SubscribeToShardEventStream>> | undefined;
  private failuresInARow = 0;

  constructor(
    client: KinesisClient,
    target: StreamTarget,
    private readonly consumerArn: () => Promise<string>,
    options: ResolvedKinesisSourceOptions,
    metrics: ShardMetrics,
    logger: Logger,
  ) {
    super(client, target, options, metrics, logger);
  }

  protected async readShard(split: KinesisShardSplit): Promise<RecordsWithSplitIds<KinesisRecord>> {
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
    return this.emit(
      split,
      {
        raw: event.Records ?? [],
        millisBehindLatest: event.MillisBehindLatest,
        at: Date.now(),
        continueAfter: event.ContinuationSequenceNumber,
        shardEnded: event.ContinuationSequenceNumber === undefined,
      },
      'Kinesis shard ended (fan-out)',
    );
  }

  protected resetRead(): void {
    const events = this.events;
    this.events = undefined;
    this.pendingEvent?.catch(() => undefined);
    this.pendingEvent = undefined;
    void events?.return?.()?.catch(() => undefined);
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

  private onError(split: KinesisShardSplit, error: unknown): RecordsWithSplitIds<KinesisRecord> {
    this.resetRead();
    const name = awsErrorName(error);
    this.failuresInARow++;
    if (CONTENTION.has(name))
      return this.backOffThrottled(
        split,
        this.failuresInARow,
        'Kinesis subscription refused; resubscribing later',
        { error: name },
      );
    return this.retryOrFail(
      split,
      error,
      'SubscribeToShard',
      this.failuresInARow,
      'Kinesis subscription failed; resubscribing',
    );
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
