import type { ConsumerMessage } from './consumer.js';

/**
 * One received entry (a message, or a whole batch) waiting in a consumer's queue, kept as the
 * broker sent it and decoded only when the application takes it. A consumer that falls behind
 * (the broker may push far more than `receiverQueueSize` while it still guesses messages per
 * entry) then holds one small object per entry instead of thousands of decoded messages that
 * live long enough to be copied and promoted by every young-generation GC.
 * @internal
 */
export class QueuedEntry<From> {
  private messages: ConsumerMessage[] | undefined;
  /** Index of the next message to take, once decoded. */
  next = 0;

  constructor(
    readonly from: From,
    /** Messages not taken yet: the batch size until decoded (compacted-out or acked ones then drop out). */
    public remaining: number,
    private readonly decoder: () => ConsumerMessage[],
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
    let messages = this.messages;
    if (messages === undefined) {
      messages = this.decoder();
      if (keep) this.messages = messages;
      this.remaining = messages.length;
    }
    return messages;
  }
}
