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

  /** The entry's messages, decoded on first use (throws what the decoder throws). */
  decode(): ConsumerMessage[] {
    let messages = this.messages;
    if (messages === undefined) {
      messages = this.decoder();
      this.messages = messages;
      this.remaining = messages.length;
    }
    return messages;
  }
}
