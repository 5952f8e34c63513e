import type { ConsumerMessage } from './consumer.js';
import type { MessageId } from './message-id.js';

/** What an entry's envelope tells before its payload is decoded. */
export interface EntryHead {
  readonly topic: string;
  readonly ledgerId: bigint;
  readonly entryId: bigint;
  readonly partition: number;
  /** Messages in the batch; 0 for a message sent without batching. */
  readonly batchSize: number;
  /** The entry's publish time (every message of a batch has it). */
  readonly publishTime: number;
}

/**
 * An entry (a message, or a whole batch) taken from a consumer's queue without decoding it
 * ({@link Consumer.takeQueuedUndecoded}). Its messages are decoded on the first
 * {@link messages} call, so a caller that hands entries on (to another loop, through a queue)
 * before it uses them keeps the decoded messages short-lived: they die in the young generation
 * instead of being copied and promoted by the garbage collector.
 */
export interface TakenEntry {
  readonly topic: string;
  readonly publishTime: number;
  /** The lowest id a message of the entry may have (acked or compacted-out ones drop out on decoding). */
  readonly firstId: MessageId;
  /** The highest id a message of the entry may have. */
  readonly lastId: MessageId;
  /** Messages before decoding; decoding may leave fewer (batch-index acked, compacted out). */
  readonly count: number;
  /**
   * The messages, decoded on each call: not kept on the entry, which has usually waited long
   * enough to be in the old generation (messages stored on it would outlive every scavenge), so
   * the caller holds them while it needs them. Throws a `PulsarMessageDecodeError` naming the
   * message when the entry cannot be decoded; the consumer then fails too.
   */
  messages(): readonly ConsumerMessage[];
}

/**
 * One received entry (a message, or a whole batch) waiting in a consumer's queue, kept as the
 * broker sent it and decoded only when the application takes it. A consumer that falls behind
 * (the broker may push far more than `receiverQueueSize` while it still guesses messages per
 * entry) then holds one small object per entry instead of thousands of decoded messages that
 * live long enough to be copied and promoted by every young-generation GC.
 * @internal
 */
export class QueuedEntry<From> implements TakenEntry {
  private decoded: ConsumerMessage[] | undefined;
  private takenMessages: readonly ConsumerMessage[] | undefined;
  /** Index of the next message to take, once decoded. */
  next = 0;
  /** Taken undecoded: the entry's permits went back to the broker already. */
  private permitsReturned = false;

  constructor(
    readonly from: From,
    /** Messages not taken yet: the batch size until decoded (compacted-out or acked ones then drop out). */
    public remaining: number,
    private readonly head: EntryHead,
    /** Decodes the entry; `permitsReturned` tells it not to return the permits of messages it leaves out. */
    private readonly decoder: (permitsReturned: boolean) => ConsumerMessage[],
  ) {}

  /**
   * The entry's messages, decoded on first use (throws what the decoder throws). `keep: false`
   * for a caller that takes them all now and drops the entry: the entry has often waited in the
   * queue through young-generation GCs and been promoted to the old generation, and decoded
   * messages stored on an old object survive every scavenge until the next full GC (copied,
   * then promoted themselves) even after the entry is dropped — the bulk of a consume loop's GC
   * time when it hands messages on instead of dropping them at once.
   */
  decode(keep = true): ConsumerMessage[] {
    let messages = this.decoded;
    if (messages === undefined) {
      messages = this.decoder(this.permitsReturned);
      if (keep) this.decoded = messages;
      this.remaining = messages.length;
    }
    return messages;
  }

  /** Marks the entry taken undecoded (its permits are returned by the taker). */
  takeUndecoded(): void {
    this.permitsReturned = true;
  }

  get topic(): string {
    return this.head.topic;
  }

  get publishTime(): number {
    return this.head.publishTime;
  }

  get count(): number {
    return this.remaining;
  }

  get firstId(): MessageId {
    const decoded = this.decoded;
    if (decoded !== undefined && this.next < decoded.length)
      return (decoded[this.next] as ConsumerMessage).messageId;
    return this.idAt(this.head.batchSize > 0 ? 0 : -1);
  }

  get lastId(): MessageId {
    const decoded = this.decoded;
    if (decoded !== undefined && decoded.length > 0)
      return (decoded[decoded.length - 1] as ConsumerMessage).messageId;
    return this.idAt(this.head.batchSize - 1);
  }

  messages(): readonly ConsumerMessage[] {
    // Taken whole and undecoded: not kept here (see TakenEntry.messages).
    if (this.takenMessages === undefined && this.decoded === undefined && this.permitsReturned)
      return this.decode(false);
    if (this.takenMessages === undefined) {
      const all = this.decode();
      this.takenMessages = this.next === 0 ? all : all.slice(this.next);
    }
    return this.takenMessages;
  }

  private idAt(batchIndex: number): MessageId {
    const { ledgerId, entryId, partition, batchSize } = this.head;
    return { ledgerId, entryId, partition, batchIndex, batchSize };
  }
}
