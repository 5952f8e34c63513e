import type { MessageId, PulsarClient } from '@tributary/pulsar-client';
import { formatMessageId, parseMessageId, type SplitStart, type SplitStop } from './pulsar-positions.js';
import type { PulsarStartCursor, PulsarStopCursor } from './pulsar-source-options.js';

/** The resolved start and stop of one partition. */
export interface ResolvedRange {
  readonly start: SplitStart;
  readonly stop: SplitStop | undefined;
}

/** A message id option: one id for every partition, or ids by partition name. */
type MessageIds = string | Readonly<Record<string, string>>;

function idFor(ids: MessageIds, partition: string): string | undefined {
  const text = typeof ids === 'string' ? ids : ids[partition];
  return text === undefined ? undefined : formatMessageId(parseMessageId(text));
}

/** An entry id of -1: the partition held no message (its current ledger is empty). */
function isEmpty(id: MessageId | undefined): boolean {
  return id === undefined || id.entryId < 0n;
}

/**
 * Turns the start and stop cursors into concrete split positions when the enumerator discovers
 * partitions. `latest` becomes the partition's last message id now (GET_LAST_MESSAGE_ID on a
 * non-durable probe subscription), so a restore before the first checkpoint starts and stops at
 * the same messages as the first attempt.
 */
export class PulsarPositionResolver {
  constructor(
    private readonly client: PulsarClient,
    private readonly subscriptionName: string,
    private readonly startCursor: PulsarStartCursor,
    private readonly stopCursor: PulsarStopCursor,
  ) {}

  /**
   * Ranges of `partitions`; `initial` false (found by a later discovery): they were created after
   * the job started, so they start at the earliest message whatever the start cursor says.
   */
  async resolve(partitions: readonly string[], initial: boolean): Promise<Map<string, ResolvedRange>> {
    const last = this.needsLastIds(initial) ? await this.lastMessageIds(partitions) : new Map();
    const out = new Map<string, ResolvedRange>();
    for (const p of partitions) {
      out.set(p, {
        start: initial ? this.startOf(p, last.get(p)) : { kind: 'earliest' },
        stop: this.stopOf(p, last.get(p)),
      });
    }
    return out;
  }

  private needsLastIds(initial: boolean): boolean {
    const stop = this.stopCursor;
    const stopNeeds =
      stop === 'latest' ||
      (typeof stop === 'object' && 'atMessageId' in stop && typeof stop.atMessageId !== 'string') ||
      (typeof stop === 'object' && 'afterMessageId' in stop && typeof stop.afterMessageId !== 'string');
    return stopNeeds || (initial && this.startCursor === 'latest');
  }

  private startOf(partition: string, last: MessageId | undefined): SplitStart {
    const cursor = this.startCursor;
    if (cursor === 'earliest') return { kind: 'earliest' };
    // Nothing there yet: the earliest message is the first one after "now".
    if (cursor === 'latest')
      return isEmpty(last)
        ? { kind: 'earliest' }
        : { kind: 'after', messageId: formatMessageId(last as MessageId) };
    if ('publishTime' in cursor) return { kind: 'publishTime', publishTime: cursor.publishTime };
    const id = idFor(cursor.messageId, partition);
    if (id === undefined) return { kind: 'earliest' };
    return { kind: cursor.inclusive ? 'at' : 'after', messageId: id };
  }

  private stopOf(partition: string, last: MessageId | undefined): SplitStop | undefined {
    const cursor = this.stopCursor;
    if (cursor === 'never') return undefined;
    const latest = (): SplitStop =>
      isEmpty(last)
        ? { kind: 'empty' }
        : { kind: 'afterMessageId', messageId: formatMessageId(last as MessageId) };
    if (cursor === 'latest') return latest();
    if ('atMessageId' in cursor) {
      const id = idFor(cursor.atMessageId, partition);
      return id === undefined ? latest() : { kind: 'atMessageId', messageId: id };
    }
    if ('afterMessageId' in cursor) {
      const id = idFor(cursor.afterMessageId, partition);
      return id === undefined ? latest() : { kind: 'afterMessageId', messageId: id };
    }
    if ('atPublishTime' in cursor) return { kind: 'atPublishTime', time: cursor.atPublishTime };
    if ('afterPublishTime' in cursor) return { kind: 'afterPublishTime', time: cursor.afterPublishTime };
    if ('atEventTime' in cursor) return { kind: 'atEventTime', time: cursor.atEventTime };
    return { kind: 'afterEventTime', time: cursor.afterEventTime };
  }

  /** Last message id per partition, through one non-durable probe subscription (no broker state kept). */
  private async lastMessageIds(partitions: readonly string[]): Promise<Map<string, MessageId>> {
    const probe = await this.client.subscribe({
      topic: partitions,
      subscription: `${this.subscriptionName}-latest-probe`,
      durable: false,
      receiverQueueSize: 1,
    });
    try {
      return await probe.lastMessageIds();
    } finally {
      await probe.close();
    }
  }
}
