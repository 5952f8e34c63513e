import {
  type InputStatus,
  type Logger,
  type ReaderOutput,
  SingleSplitFetcherManager,
  type SourceEvent,
  SourceReaderBase,
  type SourceReaderContext,
  TributaryError,
  toError,
} from '@tributary/core';
import type { MessageId, PulsarClient } from '@tributary/pulsar-client';
import { PulsarAckTransactions, type SplitAcks } from './pulsar-ack-transactions.js';
import { decodeEntries } from './pulsar-entry-ranges.js';
import type { PulsarMessageDeserializer } from './pulsar-message-deserializer.js';
import type { AckTransactions, PulsarPartitionSplit, PulsarSplitState } from './pulsar-partition-split.js';
import { formatMessageId } from './pulsar-positions.js';
import { PulsarMessageRangeEmitter, PulsarRecordEmitter } from './pulsar-record-emitter.js';
import { PulsarSourceErrorCodes } from './pulsar-source-error-codes.js';
import { RESTORED_EVENT, SUBSCRIBE_EVENT } from './pulsar-source-events.js';
import { isSharedType, type ResolvedPulsarSourceOptions } from './pulsar-source-options.js';
import { PulsarSplitConsumers } from './pulsar-split-consumers.js';
import { type PulsarEntry, PulsarSplitReader } from './pulsar-split-reader.js';

/** Checkpoints whose positions wait for completion; older ones are dropped when a newer one completes. */
const MAX_PENDING_ACKS = 16;

/**
 * The Pulsar source reader: one fetch loop for all of the reader's splits
 * ({@link SingleSplitFetcherManager} + {@link PulsarSplitReader}), per-split outputs (per-partition
 * watermarks and idleness), and the subscription-type specific part of exactly-once:
 * - Exclusive/Failover: the checkpoint holds each partition's last emitted message id; when it
 *   completes, the subscription is acked cumulatively up to there (so the backlog shrinks and
 *   retention can drop what all checkpoints are past). Restores seek to the checkpointed ids.
 * - Shared/Key_Shared: the checkpoint's acks go into a transaction committed when it completes
 *   ({@link PulsarAckTransactions}).
 *
 * `pendingRecords` is the subscription backlog (unacknowledged messages): what is left to read
 * plus what was read since the last completed checkpoint. Shared splits report it from slot 0.
 */
export class PulsarSourceReader<T> extends SourceReaderBase<
  PulsarEntry,
  T,
  PulsarPartitionSplit,
  PulsarSplitState
> {
  private readonly states = new Map<string, PulsarSplitState>();
  private readonly positionsToAck = new Map<number, Map<string, MessageId>>();
  /** Final positions of finished splits, acked with the next completed checkpoint. */
  private readonly finishedPositions = new Map<string, MessageId>();
  private readonly acks: PulsarAckTransactions | undefined;
  private readonly consumers: PulsarSplitConsumers;
  private snapshotTransactions: AckTransactions | undefined;
  private idleMarked = false;
  private everAssigned = false;
  private readonly log: Logger;
  private readonly serviceUrl: string;

  constructor(
    private readonly client: PulsarClient,
    options: ResolvedPulsarSourceOptions,
    deserializer: PulsarMessageDeserializer<T>,
    context: SourceReaderContext,
  ) {
    const logger = context.logger.child({ component: 'pulsar-source', subtask: context.subtaskId });
    const shared = isSharedType(options.subscriptionType);
    const consumers = new PulsarSplitConsumers(client, logger, {
      name: options.subscriptionName,
      type: options.subscriptionType,
    });
    super(
      new SingleSplitFetcherManager<PulsarEntry, PulsarPartitionSplit>(
        () => new PulsarSplitReader(client, options, consumers, logger),
        options,
        logger,
      ),
      shared
        ? new PulsarRecordEmitter(
            deserializer,
            context.metricGroup,
            options.onDeserializationError,
            true,
            logger,
          )
        : new PulsarMessageRangeEmitter(
            deserializer,
            context.metricGroup,
            options.onDeserializationError,
            logger,
          ),
      context,
      options,
    );
    this.consumers = consumers;
    this.serviceUrl = options.serviceUrl;
    this.log = logger;
    this.acks = shared
      ? new PulsarAckTransactions(() => client.transactions(), {
          timeoutMs: options.transactionTimeoutMs,
          periodicCheckpoints: context.checkpointIntervalMs !== undefined,
          logger,
        })
      : undefined;
    context.metricGroup.setPendingRecordsGauge(() => this.pendingRecords());
  }

  override pollNext(output: ReaderOutput<T>): InputStatus {
    if (this.states.size === 0) {
      if (!this.idleMarked) {
        this.idleMarked = true;
        output.markIdle();
      }
    } else {
      this.idleMarked = false;
    }
    const acks = this.acks;
    if (acks !== undefined) {
      acks.throwIfFailed();
      // Records emitted now are acked at the next checkpoint: its transaction must be open, and
      // recorded for abort by a completed checkpoint (the one a crash would restore).
      if (!acks.isReady) return 'nothing';
    }
    return super.pollNext(output);
  }

  override isAvailable(): Promise<void> {
    const acks = this.acks;
    if (acks !== undefined && !acks.isReady) return acks.whenReady();
    return super.isAvailable();
  }

  override snapshotState(checkpointId: number): PulsarPartitionSplit[] {
    if (this.acks !== undefined) {
      this.snapshotTransactions = this.acks.snapshot(checkpointId, this.takeAcks());
      return super.snapshotState(checkpointId);
    }
    const splits = super.snapshotState(checkpointId);
    const positions = new Map(this.finishedPositions);
    for (const [id, state] of this.states)
      if (state.lastEmitted !== undefined) positions.set(id, state.lastEmitted);
    this.positionsToAck.set(checkpointId, positions);
    if (this.positionsToAck.size > MAX_PENDING_ACKS) {
      this.positionsToAck.delete(this.positionsToAck.keys().next().value as number);
    }
    return splits;
  }

  /**
   * Exclusive/Failover: acks each partition cumulatively up to the completed checkpoint's
   * position (best effort: the checkpoint, not the subscription, is what a restore uses).
   * Shared/Key_Shared: commits the checkpoint's ack transaction (failures fail the reader).
   */
  notifyCheckpointComplete(checkpointId: number): void {
    if (this.acks !== undefined) {
      this.acks.notifyCheckpointComplete(checkpointId);
      return;
    }
    const positions = this.positionsToAck.get(checkpointId) ?? new Map(this.finishedPositions);
    for (const id of [...this.positionsToAck.keys()]) if (id <= checkpointId) this.positionsToAck.delete(id);
    for (const [splitId, position] of positions) {
      if (this.finishedPositions.get(splitId) === position) this.finishedPositions.delete(splitId);
      this.consumers.acknowledgeCumulative(splitId, position).catch((error: unknown) => {
        this.log.warn(
          { err: toError(error), splitId, checkpointId },
          'cumulative ack failed (the subscription lags behind the checkpoint; the next checkpoint acks again)',
        );
      });
    }
  }

  /**
   * Shared/Key_Shared: ends the restored checkpoint's ack transactions (commit what it covered,
   * abort what came after) and acks the covered entries again (their requests may have been lost
   * in the crash) before any reader subscribes, then tells the enumerator; it lets every
   * reader subscribe once all did (see {@link PulsarSplitConsumers.subscriptionsAllowed}).
   */
  override async start(): Promise<void> {
    // Connects while the enumerator still discovers and resolves, not when the first split comes.
    this.client.getConnection(this.serviceUrl).catch((error: unknown) => {
      this.log.debug(
        { err: toError(error) },
        'connecting ahead of the first split failed (retried on subscribe)',
      );
    });
    if (this.acks === undefined) return;
    const commit = new Set<string>();
    const abort = new Set<string>();
    const reack = new Map<string, MessageId[]>();
    for (const state of this.states.values()) {
      const { transactions, pendingAcks, topic } = state.split;
      for (const id of transactions?.commit ?? []) commit.add(id);
      for (const id of transactions?.abort ?? []) abort.add(id);
      for (const entries of Object.values(pendingAcks ?? {})) {
        const list = reack.get(topic) ?? [];
        // A loop, not a spread: a checkpoint's entries can outnumber a call's argument limit.
        for (const id of decodeEntries(entries)) list.push(id);
        reack.set(topic, list);
      }
    }
    await this.consumers.endRestoredTransactions({ commit: [...commit], abort: [...abort] }, reack);
    this.context.sendSourceEventToCoordinator({ type: RESTORED_EVENT });
  }

  handleSourceEvent(event: SourceEvent): void {
    if (event.type === SUBSCRIBE_EVENT) this.consumers.allowSubscriptions();
  }

  override async close(): Promise<void> {
    this.consumers.beginClose();
    await super.close();
    await this.acks?.close();
    await this.client.close();
  }

  protected initializedState(split: PulsarPartitionSplit): PulsarSplitState {
    const state: PulsarSplitState = { split, lastEmitted: undefined, unackedEntries: [] };
    this.states.set(split.splitId, state);
    this.everAssigned = true;
    return state;
  }

  protected toSplitType(splitId: string, state: PulsarSplitState): PulsarPartitionSplit {
    const split = state.split;
    if (this.acks !== undefined) {
      if (this.snapshotTransactions === undefined) return split;
      const { pendingAcks: _restored, ...rest } = split;
      const pendingAcks = this.acks.pendingEntries(splitId);
      return {
        ...rest,
        transactions: this.snapshotTransactions,
        ...(pendingAcks === undefined ? {} : { pendingAcks }),
      };
    }
    if (state.lastEmitted === undefined) return split;
    return { ...split, splitId, start: { kind: 'after', messageId: formatMessageId(state.lastEmitted) } };
  }

  protected onSplitFinished(finished: ReadonlyMap<string, PulsarSplitState>): void {
    for (const [id, state] of finished) {
      if (state.lastEmitted !== undefined) this.finishedPositions.set(id, state.lastEmitted);
      this.states.delete(id);
    }
    this.log.debug({ splits: [...finished.keys()] }, 'Pulsar partitions reached their stop cursor');
  }

  /** Shared/Key_Shared: every split's entries emitted since the last checkpoint, taken. */
  private takeAcks(): SplitAcks[] {
    const acks: SplitAcks[] = [];
    for (const [splitId, state] of this.states) {
      if (state.unackedEntries.length === 0) continue;
      const consumer = this.consumers.get(splitId)?.consumer;
      if (consumer === undefined) {
        // Unacked entries would come again after the checkpoint covered them: fail instead.
        throw new TributaryError(
          PulsarSourceErrorCodes.REQUEST_FAILED,
          `No consumer for split ${splitId} to ack ${state.unackedEntries.length} emitted entries at a checkpoint`,
          { context: { splitId } },
        );
      }
      acks.push({ splitId, consumer, topic: state.split.topic, entries: state.unackedEntries.splice(0) });
    }
    return acks;
  }

  /** The backlog of the owned splits; unknown until each was read once. */
  private pendingRecords(): number | undefined {
    if (!this.everAssigned) return undefined;
    let pending = 0;
    for (const [id, state] of this.states) {
      if (state.split.slot !== undefined && state.split.slot !== 0) continue;
      const backlog = this.consumers.backlogs.get(id);
      if (backlog === undefined) return undefined;
      pending += backlog;
    }
    return pending;
  }
}
