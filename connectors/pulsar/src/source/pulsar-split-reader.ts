import {
  type Logger,
  RecordsBySplits,
  type RecordsBySplitsBuilder,
  type RecordsWithSplitIds,
  retry,
  type SplitReader,
  type SplitsChange,
  TributaryError,
  toError,
  WakeUpLatch,
} from '@tributary/core';
import {
  type Consumer,
  type ConsumerMessage,
  EARLIEST,
  isRetriable,
  type MessageId,
  type PulsarClient,
  PulsarServerError,
  type TakenEntry,
} from '@tributary/pulsar-client';
import type { PulsarPartitionSplit } from './pulsar-partition-split.js';
import {
  compareToBound,
  formatMessageId,
  parseMessageId,
  type SplitStart,
  type StopProbe,
  type StopVerdict,
  startFilter,
  startsAtOrPastStop,
  stopCheck,
} from './pulsar-positions.js';
import { PulsarSourceErrorCodes } from './pulsar-source-error-codes.js';
import { isSharedType, type ResolvedPulsarSourceOptions } from './pulsar-source-options.js';
import type { PulsarSplitConsumers } from './pulsar-split-consumers.js';

/**
 * The messages of one entry (one message, or one batch), or the part of one the split reads: the
 * unit the source emits and acks. Decoded by the emitter, which holds the messages of the entry it
 * emits (not the entry: see `TakenEntry.messages`).
 */
export interface PulsarEntry {
  messages(): readonly ConsumerMessage[];
}

/** Part of an entry (cut at the start or stop cursor), decoded already. */
function entryPart(messages: readonly ConsumerMessage[]): PulsarEntry {
  return { messages: () => messages };
}

/** A split being read: its consumer and its start and stop checks. */
interface ReadingSplit {
  readonly split: PulsarPartitionSplit;
  readonly consumer: Consumer;
  /** Messages up to here were taken already (skips redeliveries after a reconnect). */
  lastTaken: MessageId | undefined;
  readonly accept: (id: MessageId) => boolean;
  readonly stop: ((m: StopProbe) => StopVerdict) | undefined;
  /** The stop's verdicts never go back within an entry (all but event-time stops). */
  readonly monotoneStop: boolean;
  /** The consumer's resubscription count when reading started. */
  readonly resubscriptions: number;
}

function seekTarget(start: SplitStart): MessageId | { publishTime: number } {
  if (start.kind === 'earliest') return EARLIEST;
  if (start.kind === 'publishTime') return { publishTime: start.publishTime };
  return parseMessageId(start.messageId);
}

/**
 * Reads the reader's splits through one Pulsar consumer each (a durable subscription on the
 * partition), all multiplexed on one fetch loop. Exclusive/Failover: subscribes and seeks to the
 * split's start (checkpointed position, or the resolved start cursor), then drops messages before
 * it (a seek lands on the entry) and any the broker redelivers after a reconnect. Shared /
 * Key_Shared: waits until every reader ended the ack transactions of the restored checkpoint
 * (see {@link PulsarSplitConsumers.subscriptionsAllowed}), then subscribes without seeking — the
 * subscription holds the position.
 *
 * A fetch waits (up to `fetchMaxWaitMs`, or a wake-up) until some consumer has messages, then
 * takes queued messages, about `maxRecordsPerPoll` of them (whole entries) across the splits, and
 * hands them over grouped by entry, cut at the stop cursor. Entries stay undecoded: the start,
 * stop and redelivery checks read the entry's envelope (its id range and publish time), and the
 * emitter decodes each entry right before emitting it, so decoded messages never wait in the
 * hand-over queue — they die young instead of being copied and promoted by the garbage collector
 * (decoding here made the source ~30 % slower than a bare consume loop). Only an entry a cursor
 * cuts (or an event-time stop, which must see each message) is decoded here.
 */
export class PulsarSplitReader implements SplitReader<PulsarEntry, PulsarPartitionSplit> {
  private readonly splits = new Map<string, ReadingSplit>();
  private readonly finishedNow: string[] = [];
  private readonly latch = new WakeUpLatch();
  private readonly shared: boolean;
  private lastBacklogRefresh = 0;
  /** Where the next fetch starts taking (round robin over the splits). */
  private rotation = 0;

  constructor(
    private readonly client: PulsarClient,
    private readonly options: ResolvedPulsarSourceOptions,
    private readonly consumers: PulsarSplitConsumers,
    private readonly logger: Logger,
  ) {
    this.shared = isSharedType(options.subscriptionType);
  }

  async fetch(): Promise<RecordsWithSplitIds<PulsarEntry>> {
    if (this.finishedNow.length > 0) return RecordsBySplits.finished(this.finishedNow.splice(0));
    // Woken by arriving messages, a task, closing, or the timeout: then take what is there.
    if (!this.anyQueued()) await this.latch.sleep(this.options.fetchMaxWaitMs);
    const builder = RecordsBySplits.builder<PulsarEntry>();
    const readings = [...this.splits];
    const count = readings.length;
    // Starts at another split each time, so a spent budget never starves the last ones.
    const first = count === 0 ? 0 : this.rotation++ % count;
    let budget = this.options.maxRecordsPerPoll;
    for (let k = 0; k < count && budget > 0; k++) {
      const [splitId, reading] = readings[(first + k) % count] as [string, ReadingSplit];
      const entries = reading.consumer.takeQueuedUndecoded(budget);
      this.checkResubscriptions(reading);
      if (entries.length === 0) continue;
      for (const entry of entries) budget -= entry.count;
      if (this.collect(splitId, reading, entries, builder)) {
        builder.markFinished(splitId);
        this.finish(splitId);
      }
    }
    this.maybeRefreshBacklogs();
    return builder.build();
  }

  async handleSplitsChanges(change: SplitsChange<PulsarPartitionSplit>): Promise<void> {
    if (change.type === 'remove') {
      for (const split of change.splits) await this.consumers.close(split.splitId);
      for (const split of change.splits) this.splits.delete(split.splitId);
      return;
    }
    const toRead: PulsarPartitionSplit[] = [];
    for (const split of change.splits) {
      if (!this.shared && startsAtOrPastStop(split.start, split.stop)) this.finishedNow.push(split.splitId);
      else toRead.push(split);
    }
    if (toRead.length === 0) return;
    if (this.shared) await this.consumers.subscriptionsAllowed;
    if (this.consumers.closing) return;
    // In parallel: each subscription is a lookup, a SUBSCRIBE and (Exclusive/Failover) a SEEK.
    await Promise.all(toRead.map((split) => this.startReading(split)));
  }

  private async startReading(split: PulsarPartitionSplit): Promise<void> {
    const consumer = await this.subscribe(split);
    // Both one round trip; the backlog before the first fetch, so even a short bounded read reports it.
    const [pastStop] = await Promise.all([
      this.seekLandedPastStop(split, consumer),
      this.consumers.refreshBacklog(split.splitId),
    ]);
    if (pastStop) {
      this.finishedNow.push(split.splitId);
      this.consumers.markFinished(split.splitId);
      return;
    }
    this.splits.set(split.splitId, {
      split,
      consumer,
      lastTaken: undefined,
      accept: startFilter(this.shared ? { kind: 'earliest' } : split.start),
      stop: stopCheck(split.stop),
      monotoneStop: split.stop?.kind !== 'atEventTime' && split.stop?.kind !== 'afterEventTime',
      resubscriptions: consumer.resubscriptions,
    });
    consumer.onQueued(() => this.latch.wakeUp());
  }

  /**
   * A message-id stop behind where the seek put the subscription (e.g. a publish-time start past
   * the stop) would never see a message to stop at: the mark-delete position tells.
   */
  private async seekLandedPastStop(split: PulsarPartitionSplit, consumer: Consumer): Promise<boolean> {
    const stop = split.stop;
    if (
      this.shared ||
      stop === undefined ||
      (stop.kind !== 'atMessageId' && stop.kind !== 'afterMessageId')
    ) {
      return false;
    }
    const markDelete = (await consumer.markDeletePositions()).values().next().value;
    if (markDelete === undefined || markDelete.entryId < 0n) return false;
    return startsAtOrPastStop({ kind: 'after', messageId: formatMessageId(markDelete) }, stop);
  }

  wakeUp(): void {
    this.latch.wakeUp();
  }

  async close(): Promise<void> {
    this.splits.clear();
    await this.consumers.closeAll();
  }

  private anyQueued(): boolean {
    for (const reading of this.splits.values()) if (reading.consumer.queuedCount > 0) return true;
    return false;
  }

  /**
   * Hands `entries` over for `splitId` (skipping messages before the start or taken already), up
   * to the stop cursor. Returns true when the split reached its stop.
   */
  private collect(
    splitId: string,
    reading: ReadingSplit,
    entries: readonly TakenEntry[],
    builder: RecordsBySplitsBuilder<PulsarEntry>,
  ): boolean {
    for (const entry of entries) {
      const verdict = this.takesWhole(reading, entry);
      if (verdict !== undefined) {
        // The common case: checked once per entry, handed over undecoded.
        builder.add(splitId, entry);
        reading.lastTaken = entry.lastId;
        if (verdict === 'read-and-stop') return true;
        continue;
      }
      if (this.collectEach(splitId, reading, entry.messages(), builder)) return true;
    }
    return false;
  }

  /**
   * The verdict for all of `entry` when the lowest id it may hold is past the start and past what
   * was taken, and the highest is before the stop (then so is each message: the checks are
   * monotone in the message id, and the publish time is the entry's); `undefined` when each
   * message must be checked (an event-time stop, which batches need not keep in order, or a bound
   * inside). Reads the envelope only: the messages stay undecoded.
   */
  private takesWhole(reading: ReadingSplit, entry: TakenEntry): StopVerdict | undefined {
    const first = entry.firstId;
    if (!reading.accept(first)) return undefined;
    if (reading.lastTaken !== undefined && compareToBound(first, reading.lastTaken) <= 0) return undefined;
    if (reading.stop === undefined) return 'read';
    if (!reading.monotoneStop) return undefined;
    // 'read-and-stop' on the highest possible id: every message is at or before the stop, and the
    // next entry is past it (even when that id was compacted out and the real last one is lower).
    const verdict = reading.stop({ messageId: entry.lastId, publishTime: entry.publishTime, eventTime: 0 });
    return verdict === 'stop-before' ? undefined : verdict;
  }

  /** {@link collect} for one entry, message by message. */
  private collectEach(
    splitId: string,
    reading: ReadingSplit,
    entry: readonly ConsumerMessage[],
    builder: RecordsBySplitsBuilder<PulsarEntry>,
  ): boolean {
    const kept: ConsumerMessage[] = [];
    let reachedStop = false;
    for (const message of entry) {
      const id = message.messageId;
      if (!reading.accept(id)) continue;
      if (reading.lastTaken !== undefined && compareToBound(id, reading.lastTaken) <= 0) continue;
      const verdict = reading.stop?.(message) ?? 'read';
      if (verdict === 'stop-before') {
        reachedStop = true;
        break;
      }
      kept.push(message);
      reading.lastTaken = id;
      if (verdict === 'read-and-stop') {
        reachedStop = true;
        break;
      }
    }
    if (kept.length > 0) builder.add(splitId, entryPart(kept));
    return reachedStop;
  }

  private finish(splitId: string): void {
    this.splits.get(splitId)?.consumer.onQueued(undefined);
    this.splits.delete(splitId);
    // Nothing left to read; the consumer stays open for the final ack at the next checkpoint.
    this.consumers.markFinished(splitId);
  }

  /**
   * Shared/Key_Shared: after a lost subscription the broker redelivers this consumer's unacked
   * messages, maybe to other readers, while this reader already emitted some of them: only a
   * restore from the last checkpoint (which aborts their acks) keeps the output exactly-once.
   */
  private checkResubscriptions(reading: ReadingSplit): void {
    if (!this.shared || reading.consumer.resubscriptions === reading.resubscriptions) return;
    throw new TributaryError(
      PulsarSourceErrorCodes.REQUEST_FAILED,
      `The ${this.options.subscriptionType} consumer of ${reading.split.topic} lost its subscription (connection dropped or the broker closed it): restarting from the last checkpoint, so messages the broker redelivers are not read twice`,
      {
        retriable: true,
        context: { topic: reading.split.topic, subscription: this.options.subscriptionName },
      },
    );
  }

  private async subscribe(split: PulsarPartitionSplit): Promise<Consumer> {
    const options = this.options;
    return retry(
      async () => {
        const consumer = await this.client.subscribe({
          topic: split.topic,
          subscription: options.subscriptionName,
          subscriptionType: options.subscriptionType,
          initialPosition: options.startCursor === 'latest' ? 'latest' : 'earliest',
          receiverQueueSize: options.receiverQueueSize,
          // Exclusive/Failover seek next: what the broker sent before the seek would be dropped.
          deferFlow: !this.shared,
        });
        this.consumers.register(split, consumer);
        try {
          if (!this.shared) await consumer.seek(seekTarget(split.start));
        } catch (error) {
          await this.consumers.close(split.splitId);
          throw error;
        }
        return consumer;
      },
      {
        // An Exclusive subscription stays busy until the broker noticed the previous attempt's
        // consumer is gone (a killed process's connection closing).
        maxAttempts: 20,
        initialDelayMs: 200,
        maxDelayMs: 3000,
        isRetriable: (error) =>
          isRetriable(error) || (error instanceof PulsarServerError && error.code === 'ConsumerBusy'),
        operation: `subscribing ${options.subscriptionName} on ${split.topic}`,
        onRetry: (error, attempt) =>
          this.logger.info(
            { err: toError(error), attempt, topic: split.topic },
            'subscribe failed; retrying',
          ),
      },
    );
  }

  private maybeRefreshBacklogs(): void {
    const now = Date.now();
    if (now - this.lastBacklogRefresh < this.options.backlogIntervalMs) return;
    this.lastBacklogRefresh = now;
    for (const splitId of this.splits.keys()) void this.consumers.refreshBacklog(splitId);
  }
}
