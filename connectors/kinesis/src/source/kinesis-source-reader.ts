import type { KinesisClient } from '@aws-sdk/client-kinesis';
import {
  type InputStatus,
  type Logger,
  PerSplitFetcherManager,
  type ReaderOutput,
  SourceReaderBase,
  type SourceReaderContext,
} from '@tributary/core';
import { resolveConsumerArn } from './fan-out-consumer.js';
import { KinesisFanOutSplitReader } from './kinesis-fan-out-split-reader.js';
import type { KinesisRecord, KinesisRecordDeserializer } from './kinesis-record.js';
import { KinesisRecordEmitter } from './kinesis-record-emitter.js';
import type { StreamTarget } from './kinesis-shard-discoverer.js';
import type { KinesisShardSplit, KinesisShardSplitState } from './kinesis-shard-split.js';
import { KinesisShardSplitReader } from './kinesis-shard-split-reader.js';
import {
  type KinesisSourceEvents,
  SHARDS_FINISHED_ACK_EVENT,
  SHARDS_FINISHED_EVENT,
} from './kinesis-source-events.js';
import type { ResolvedKinesisSourceOptions } from './kinesis-source-options.js';
import { ShardMetrics } from './shard-metrics.js';

/** An ended shard the enumerator may not have recorded in a completed checkpoint yet. */
interface EndedShard {
  readonly split: KinesisShardSplit;
  acknowledged: boolean;
  /** Snapshots taken since the enumerator acknowledged the end. */
  snapshotsSinceAck: number;
  /** Dropped once this checkpoint completes. */
  dropAfter: number | undefined;
}

/**
 * The Kinesis source reader: one fetch loop and client per shard ({@link PerSplitFetcherManager}
 * + {@link KinesisShardSplitReader}), per-shard outputs (watermarks per shard), sequence numbers
 * in checkpoints.
 *
 * An ended shard is reported to the enumerator (which then starts its children) and stays in
 * the reader's checkpoints, marked finished, until a checkpoint taken well after the enumerator
 * acknowledged it completes. A restore in between brings the mark back, and the reader reports
 * the end again instead of losing it — the enumerator's and the reader's snapshots of one
 * checkpoint are not taken at the same instant.
 */
export class KinesisSourceReader<T> extends SourceReaderBase<
  KinesisRecord,
  T,
  KinesisShardSplit,
  KinesisShardSplitState,
  KinesisSourceEvents
> {
  private readonly ended = new Map<string, EndedShard>();
  private readonly shardMetrics: ShardMetrics;
  private owned = 0;
  private idleMarked = false;
  private readonly log: Logger;

  constructor(
    createClient: (protocol?: 'http1' | 'http2') => KinesisClient,
    target: StreamTarget,
    options: ResolvedKinesisSourceOptions,
    deserializer: KinesisRecordDeserializer<T>,
    context: SourceReaderContext<KinesisSourceEvents>,
  ) {
    const logger = context.logger.child({ component: 'kinesis-source', subtask: context.subtaskId });
    const shardMetrics = new ShardMetrics(context.metricGroup);
    // One consumer ARN lookup (and registration) per reader, shared by its shards' loops.
    let arn: Promise<string> | undefined;
    const consumerArn = (): Promise<string> => {
      arn ??= (async () => {
        const client = createClient();
        try {
          return await resolveConsumerArn(client, target, options.efoConsumerName as string);
        } finally {
          client.destroy();
        }
      })();
      arn.catch(() => {
        arn = undefined;
      });
      return arn;
    };
    super(
      new PerSplitFetcherManager<KinesisRecord, KinesisShardSplit>(
        options.readerType === 'efo'
          ? () =>
              new KinesisFanOutSplitReader(
                createClient('http2'),
                target,
                consumerArn,
                options,
                shardMetrics,
                logger,
              )
          : () => new KinesisShardSplitReader(createClient(), target, options, shardMetrics, logger),
        options,
        logger,
      ),
      new KinesisRecordEmitter(deserializer, context.metricGroup, options.onDeserializationError, logger),
      context,
      options,
    );
    this.shardMetrics = shardMetrics;
    this.log = logger;
  }

  override pollNext(output: ReaderOutput<T>): InputStatus {
    // A reader without shards must not hold the job's watermark back.
    if (this.owned === 0) {
      if (!this.idleMarked) {
        this.idleMarked = true;
        output.markIdle();
      }
    } else {
      this.idleMarked = false;
    }
    return super.pollNext(output);
  }

  override addSplits(splits: readonly KinesisShardSplit[]): void {
    const live: KinesisShardSplit[] = [];
    const ended: KinesisShardSplit[] = [];
    for (const split of splits) (split.finished ? ended : live).push(split);
    if (ended.length > 0) {
      for (const split of ended)
        this.ended.set(split.shardId, {
          split,
          acknowledged: false,
          snapshotsSinceAck: 0,
          dropAfter: undefined,
        });
      this.reportEnded(ended.map((s) => s.shardId));
    }
    this.owned += live.length;
    super.addSplits(live);
  }

  override snapshotState(checkpointId: number): KinesisShardSplit[] {
    const splits = super.snapshotState(checkpointId);
    for (const shard of this.ended.values()) {
      splits.push({ ...shard.split, finished: true });
      if (shard.acknowledged && ++shard.snapshotsSinceAck === 2) shard.dropAfter = checkpointId;
    }
    return splits;
  }

  notifyCheckpointComplete(checkpointId: number): void {
    for (const [id, shard] of this.ended) {
      if (shard.dropAfter !== undefined && shard.dropAfter <= checkpointId) this.ended.delete(id);
    }
  }

  handleSourceEvent(event: KinesisSourceEvents['toReader']): void {
    if (event.type !== SHARDS_FINISHED_ACK_EVENT) return;
    for (const id of event.shardIds) {
      const shard = this.ended.get(id);
      if (shard !== undefined) shard.acknowledged = true;
    }
  }

  protected initializedState(split: KinesisShardSplit): KinesisShardSplitState {
    return { split, position: split.position, lastSequenceNumber: undefined };
  }

  protected toSplitType(_splitId: string, state: KinesisShardSplitState): KinesisShardSplit {
    return { ...state.split, position: state.position };
  }

  protected onSplitFinished(finished: ReadonlyMap<string, KinesisShardSplitState>): void {
    for (const [id, state] of finished) {
      this.ended.set(id, {
        split: { ...state.split, position: state.position },
        acknowledged: false,
        snapshotsSinceAck: 0,
        dropAfter: undefined,
      });
      this.shardMetrics.remove(id);
      this.owned--;
    }
    this.log.debug({ shards: [...finished.keys()] }, 'Kinesis shards read to their end');
    this.reportEnded([...finished.keys()]);
  }

  private reportEnded(shardIds: string[]): void {
    this.context.sendSourceEventToCoordinator({ type: SHARDS_FINISHED_EVENT, shardIds });
  }
}
