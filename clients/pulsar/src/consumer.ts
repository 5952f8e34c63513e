import { isFieldSet } from '@bufbuild/protobuf';
import type { PulsarClient } from './client.js';
import type { ConnectionListener, PulsarConnection } from './connection.js';
import { PulsarClosedError, PulsarConnectionError } from './errors.js';
import {
  compareMessageIds,
  EARLIEST,
  LATEST,
  type MessageId,
  messageIdFromData,
  messageIdToData,
} from './message-id.js';
import {
  BaseCommand_Type,
  CommandAck_AckType,
  CommandMessageSchema,
  CommandSubscribe_InitialPosition,
  CommandSubscribe_SubType,
  KeySharedMode,
  type MessageIdData,
  type MessageMetadata,
  MessageMetadataSchema,
  type SingleMessageMetadata,
} from './proto/PulsarApi_pb.js';
import { decodeBatch } from './protocol/batch.js';
import { decompress } from './protocol/compression.js';
import type { Frame } from './protocol/frame.js';
import { QueuedEntry, type TakenEntry } from './queued-entry.js';
import { fullTopicName, partitionIndexOf, partitionTopicName } from './topic-name.js';
import type { Transaction } from './transaction.js';

export type SubscriptionType = 'Exclusive' | 'Shared' | 'Failover' | 'Key_Shared';

const SUB_TYPES: Readonly<Record<SubscriptionType, CommandSubscribe_SubType>> = {
  Exclusive: CommandSubscribe_SubType.Exclusive,
  Shared: CommandSubscribe_SubType.Shared,
  Failover: CommandSubscribe_SubType.Failover,
  Key_Shared: CommandSubscribe_SubType.Key_Shared,
};

export interface ConsumerOptions {
  /** One topic (partitioned or not), or several. */
  readonly topic: string | readonly string[];
  readonly subscription: string;
  /** Default Exclusive. */
  readonly subscriptionType?: SubscriptionType;
  /** Where a new subscription starts. Default latest. */
  readonly initialPosition?: 'earliest' | 'latest';
  /** Non-durable subscription (a reader): nothing kept on the broker; starts at `startMessageId`. */
  readonly durable?: boolean;
  /** Non-durable: start after this id (or at it with `startMessageIdInclusive`). */
  readonly startMessageId?: MessageId;
  readonly startMessageIdInclusive?: boolean;
  readonly consumerName?: string;
  /** Messages the broker may push ahead of `receive`. Default 1000. */
  readonly receiverQueueSize?: number;
  /** Failover: consumers with a lower priority level are preferred. */
  readonly priorityLevel?: number;
  /**
   * Acks (outside transactions) are grouped into one ACK command per this many ms, like the Java
   * client's `acknowledgmentGroupTime`; 0 sends each at once. Default 10. Closing flushes them.
   */
  readonly ackGroupTimeMs?: number;
  /**
   * Sends no FLOW (so the broker dispatches nothing) until the first {@link Consumer.seek} or
   * {@link Consumer.resume}: for callers that seek right after subscribing, whose messages
   * dispatched before the seek would only be dropped. Default false.
   */
  readonly deferFlow?: boolean;
}

/** A received message. */
export interface ConsumerMessage {
  readonly topic: string;
  readonly messageId: MessageId;
  readonly payload: Uint8Array;
  readonly key: string | undefined;
  readonly orderingKey: Uint8Array | undefined;
  readonly properties: Readonly<Record<string, string>>;
  readonly publishTime: number;
  /** 0 when the producer set none. */
  readonly eventTime: number;
  readonly redeliveryCount: number;
  readonly producerName: string;
  readonly sequenceId: bigint;
}

const NO_PROPERTIES: Readonly<Record<string, string>> = Object.freeze({});

function propertiesOf(list: readonly { key: string; value: string }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of list) out[p.key] = p.value;
  return out;
}

/**
 * Partitions of `topic`, 0 when it is not partitioned. A partition's own name (`…-partition-N`)
 * cannot name a partitioned topic, so it needs no PARTITIONED_METADATA round trip (what a
 * consumer per partition, like the connector's, would otherwise pay on every subscribe).
 */
function partitionCountOf(client: PulsarClient, topic: string): Promise<number> {
  if (partitionIndexOf(topic) >= 0) return Promise.resolve(0);
  return client.withRetries(() => client.partitionCount(topic));
}

type Receiver = { resolve: (message: ConsumerMessage | undefined) => void; reject: (error: Error) => void };

/** A message the consumer could not decode (corrupt batch, unknown codec, decompression failure). */
export class PulsarMessageDecodeError extends Error {
  override readonly name = 'PulsarMessageDecodeError';
}

/**
 * A consumer across one or more topics and their partitions (one {@link PartitionConsumer}
 * each), with one receive queue in arrival order. The queue holds entries as received and
 * decodes each when it is taken ({@link QueuedEntry}).
 */
export class Consumer {
  private readonly queue: QueuedEntry<PartitionConsumer>[] = [];
  /** Messages in {@link queue} not taken yet. */
  private queued = 0;
  private readonly receivers: Receiver[] = [];
  private readonly byTopic = new Map<string, PartitionConsumer>();
  private closed = false;
  private queuedListener: (() => void) | undefined;

  private constructor(
    private readonly client: PulsarClient,
    readonly subscription: string,
  ) {}

  static async create(client: PulsarClient, options: ConsumerOptions): Promise<Consumer> {
    const consumer = new Consumer(client, options.subscription);
    const topics = typeof options.topic === 'string' ? [options.topic] : options.topic;
    const partitions: { name: string; index: number }[] = [];
    const counts = await Promise.all(topics.map((topic) => partitionCountOf(client, fullTopicName(topic))));
    topics.forEach((topic, t) => {
      const full = fullTopicName(topic);
      const count = counts[t] as number;
      if (count === 0) partitions.push({ name: full, index: -1 });
      for (let i = 0; i < count; i++) partitions.push({ name: partitionTopicName(full, i), index: i });
    });
    const members = partitions.map((p) => new PartitionConsumer(client, p.name, p.index, options, consumer));
    for (const member of members) consumer.byTopic.set(member.topic, member);
    try {
      await Promise.all(members.map((m) => m.connect()));
    } catch (error) {
      await Promise.allSettled(members.map((m) => m.close()));
      throw error;
    }
    return consumer;
  }

  /** The partitions (or topics) this consumer reads. */
  get topics(): string[] {
    return [...this.byTopic.keys()];
  }

  /**
   * How many times a partition's subscription was lost and re-made (connection drops, broker
   * CLOSE_CONSUMER, seeks). After one, the broker redelivers unacknowledged messages — with a
   * Shared subscription possibly to other consumers — so callers that track what they already
   * processed compare this before and after.
   */
  get resubscriptions(): number {
    let total = 0;
    for (const member of this.byTopic.values()) total += member.resubscriptions;
    return total;
  }

  /** Whether every topic reached its end (terminated topics only). */
  get reachedEndOfTopic(): boolean {
    return [...this.byTopic.values()].every((c) => c.endOfTopic);
  }

  /** @internal Queues a received entry; waiting `receive` calls get its messages at once. */
  enqueue(entry: QueuedEntry<PartitionConsumer>): void {
    // After an undecodable message nothing behind it may be read (it would be skipped silently);
    // the broker redelivers them all to the next subscription.
    if (this.failure !== undefined) return;
    this.queue.push(entry);
    this.queued += entry.remaining;
    while (this.receivers.length > 0 && this.queued > 0) {
      const message = this.takeOne();
      // Nothing left (every message of the entry skipped), or failed: the receivers were rejected.
      if (message === undefined) return;
      (this.receivers.shift() as Receiver).resolve(message);
    }
    if (this.queued > 0) this.queuedListener?.();
  }

  /**
   * Calls `listener` whenever a message is queued with no `receive` waiting, and when the
   * consumer fails: the wake-up of a poll loop that drains with {@link takeQueued} (no promise
   * per message). One listener; `undefined` removes it.
   */
  onQueued(listener: (() => void) | undefined): void {
    this.queuedListener = listener;
  }

  /**
   * Messages received and not taken yet (a batch counts with all its messages until taken, even
   * those a compaction removed or a batch-index ack covered, which are then left out).
   */
  get queuedCount(): number {
    return this.queued;
  }

  /**
   * Takes up to `max` queued messages at once without waiting — the batch-shaped receive (one
   * call per batch, not a promise per message). Never splits an entry: when message `max` is
   * inside a batch, the rest of that batch comes too, so a caller that handles whole entries
   * (acks, checkpoint positions) never sees half of one. Throws a decode failure once the
   * messages before it were taken.
   */
  takeQueued(max: number): ConsumerMessage[] {
    const queue = this.queue;
    const taken: ConsumerMessage[] = [];
    while (taken.length < max && queue.length > 0) {
      const entry = queue[0] as QueuedEntry<PartitionConsumer>;
      const messages = this.decode(entry, false);
      if (messages === undefined) break;
      queue.shift();
      this.queued -= entry.remaining;
      for (let i = entry.next; i < messages.length; i++) taken.push(messages[i] as ConsumerMessage);
      if (entry.remaining > 0)
        entry.from.taken((messages[messages.length - 1] as ConsumerMessage).messageId, entry.remaining);
    }
    if (taken.length === 0 && this.failure !== undefined) throw this.failure;
    return taken;
  }

  /**
   * {@link takeQueued} by entry: up to about `max` queued messages as one array per entry (a
   * message, or a batch's messages), handed over as decoded instead of copied into one list —
   * for callers that handle messages per entry anyway (positions, acks, filters).
   */
  takeQueuedEntries(max: number): ConsumerMessage[][] {
    const queue = this.queue;
    const taken: ConsumerMessage[][] = [];
    let count = 0;
    while (count < max && queue.length > 0) {
      const entry = queue[0] as QueuedEntry<PartitionConsumer>;
      const messages = this.decode(entry, false);
      if (messages === undefined) break;
      queue.shift();
      this.queued -= entry.remaining;
      if (entry.remaining > 0) {
        const rest = entry.next === 0 ? messages : messages.slice(entry.next);
        taken.push(rest);
        count += rest.length;
        entry.from.taken((messages[messages.length - 1] as ConsumerMessage).messageId, entry.remaining);
      }
    }
    if (taken.length === 0 && this.failure !== undefined) throw this.failure;
    return taken;
  }

  /**
   * {@link takeQueuedEntries} without decoding: up to about `max` queued messages as entries
   * whose messages are decoded on the first {@link TakenEntry.messages} call. For callers that
   * hand entries on (through a queue to another loop) before they use them: decoded messages
   * that wait are what the garbage collector copies and promotes. Their permits go back at once.
   */
  takeQueuedUndecoded(max: number): TakenEntry[] {
    const queue = this.queue;
    const taken: TakenEntry[] = [];
    let count = 0;
    while (count < max && queue.length > 0) {
      const entry = queue.shift() as QueuedEntry<PartitionConsumer>;
      const remaining = entry.remaining;
      this.queued -= remaining;
      if (remaining === 0) continue;
      entry.takeUndecoded();
      entry.from.taken(entry.lastId, remaining);
      taken.push(entry);
      count += remaining;
    }
    if (taken.length === 0 && this.failure !== undefined) throw this.failure;
    return taken;
  }

  /** The next queued message (decoding its entry if needed); `undefined` when none, or failed. */
  private takeOne(): ConsumerMessage | undefined {
    const queue = this.queue;
    while (queue.length > 0) {
      const entry = queue[0] as QueuedEntry<PartitionConsumer>;
      const messages = this.decode(entry);
      if (messages === undefined) return undefined;
      if (entry.next < messages.length) {
        const message = messages[entry.next++] as ConsumerMessage;
        entry.remaining--;
        this.queued--;
        entry.from.taken(message.messageId, 1);
        if (entry.remaining === 0) queue.shift();
        return message;
      }
      queue.shift();
    }
    return undefined;
  }

  /** The entry's messages; on a decode failure the consumer fails and this returns `undefined`. */
  private decode(entry: QueuedEntry<PartitionConsumer>, keep = true): ConsumerMessage[] | undefined {
    const before = entry.remaining;
    try {
      const messages = entry.decode(keep);
      this.queued += entry.remaining - before;
      return messages;
    } catch (error) {
      this.fail(error as Error);
      return undefined;
    }
  }

  /**
   * @internal A message could not be decoded: it is neither acked nor skipped; every receive
   * fails with the error from now on, naming the topic and message id.
   */
  fail(error: Error): void {
    this.failure ??= error;
    for (const receiver of this.receivers.splice(0)) receiver.reject(error);
    this.queuedListener?.();
  }

  private failure: Error | undefined;

  /** @internal Drops queued messages of one partition (seek, reconnect, redeliver-all); returns how many. */
  dropQueued(from: PartitionConsumer): number {
    let dropped = 0;
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const entry = this.queue[i] as QueuedEntry<PartitionConsumer>;
      if (entry.from === from) {
        this.queue.splice(i, 1);
        dropped += entry.remaining;
      }
    }
    this.queued -= dropped;
    return dropped;
  }

  /** The next message; `undefined` after `timeoutMs` (if given) or when closed. */
  receive(timeoutMs?: number): Promise<ConsumerMessage | undefined> {
    const next = this.takeOne();
    if (next !== undefined) return Promise.resolve(next);
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const receiver: Receiver = {
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.receivers.push(receiver);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          const index = this.receivers.indexOf(receiver);
          if (index >= 0) this.receivers.splice(index, 1);
          resolve(undefined);
        }, timeoutMs);
      }
    });
  }

  /** Up to `max` messages already queued (waits up to `timeoutMs` for the first one). */
  async receiveBatch(max: number, timeoutMs: number): Promise<ConsumerMessage[]> {
    const first = await this.receive(timeoutMs);
    if (first === undefined) return [];
    const out = [first];
    while (out.length < max) {
      const next = this.takeOne();
      if (next === undefined) break;
      out.push(next);
    }
    return out;
  }

  private member(id: { topic: string } | string): PartitionConsumer {
    const topic = typeof id === 'string' ? id : id.topic;
    const member = this.byTopic.get(topic);
    if (member === undefined) throw new Error(`${topic} is not a topic of this consumer`);
    return member;
  }

  /** Acknowledges one message (batch-aware: the entry is acked once all its messages are). */
  acknowledge(message: ConsumerMessage, transaction?: Transaction): Promise<void> {
    return this.member(message).acknowledge(message.messageId, 'individual', transaction);
  }

  /** Acknowledges everything up to and including `message` on its partition (not for Shared). */
  acknowledgeCumulative(message: ConsumerMessage, transaction?: Transaction): Promise<void> {
    return this.member(message).acknowledge(message.messageId, 'cumulative', transaction);
  }

  /** Acknowledges everything up to `messageId` on `topic` (a partition name). */
  acknowledgeCumulativeId(topic: string, messageId: MessageId, transaction?: Transaction): Promise<void> {
    return this.member(topic).acknowledge(messageId, 'cumulative', transaction);
  }

  /**
   * Acknowledges whole entries (every message of each batch) of `topic` (a partition name) in
   * `transaction`, with one ACK command — the batch-shaped transactional ack. For callers that
   * handle whole entries ({@link takeQueued} never splits one): no batch-index ack sets, so the
   * broker needs no `acknowledgmentAtBatchIndexLevelEnabled`.
   */
  acknowledgeEntriesInTransaction(
    topic: string,
    entries: readonly MessageId[],
    transaction: Transaction,
  ): Promise<void> {
    return this.member(topic).acknowledgeEntriesInTransaction(entries, transaction);
  }

  /**
   * Acknowledges whole entries of `topic` (a partition name) outside any transaction and waits
   * for the broker's answer (an ACK with a request id): unlike {@link acknowledge}, which groups
   * acks and sends them without a receipt, a resolved promise means the broker applied them.
   * Entries already acknowledged are accepted again (an individual ack is idempotent).
   */
  acknowledgeEntries(topic: string, entries: readonly MessageId[]): Promise<void> {
    return this.member(topic).acknowledgeEntries(entries);
  }

  /**
   * The subscription's backlog per partition (CONSUMER_STATS `msgBacklog`). The broker counts
   * entries, not messages: a batch counts once (as in `pulsar-admin topics stats`).
   */
  backlog(): Promise<Map<string, number>> {
    return this.perPartition((m) => m.backlog());
  }

  /** Negative ack: asks the broker to redeliver this message (Shared / Key_Shared). */
  negativeAcknowledge(message: ConsumerMessage): void {
    this.member(message).redeliver([message.messageId]);
  }

  /** Redelivers every unacknowledged message of every partition. */
  redeliverUnacknowledged(): void {
    for (const member of this.byTopic.values()) member.redeliver([]);
  }

  /** Moves the subscription to a message id or publish time (ms); on every partition. */
  async seek(position: MessageId | { publishTime: number }): Promise<void> {
    await Promise.all([...this.byTopic.values()].map((m) => m.seek(position)));
  }

  /** Starts the flow of messages of a consumer subscribed with `deferFlow` that does not seek. */
  resume(): void {
    for (const member of this.byTopic.values()) member.resume();
  }

  /** Last message id of each partition (`-1:-1` when empty). */
  lastMessageIds(): Promise<Map<string, MessageId>> {
    return this.perPartition((m) => m.lastMessageId());
  }

  /**
   * Where the subscription stands on each partition: everything up to the mark-delete position
   * is acknowledged (after a seek: the position before the next message it reads).
   */
  markDeletePositions(): Promise<Map<string, MessageId | undefined>> {
    return this.perPartition(async (m) => (await m.positions()).markDeletePosition);
  }

  /** `read` of every partition, concurrently, by partition name. */
  private async perPartition<T>(read: (member: PartitionConsumer) => Promise<T>): Promise<Map<string, T>> {
    const members = [...this.byTopic.values()];
    const values = await Promise.all(members.map(read));
    return new Map(members.map((m, i) => [m.topic, values[i] as T]));
  }

  async unsubscribe(): Promise<void> {
    await Promise.all([...this.byTopic.values()].map((m) => m.unsubscribe()));
    await this.close();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.byTopic.values()].map((m) => m.close()));
    for (const receiver of this.receivers.splice(0)) receiver.resolve(undefined);
    this.client.forget(this);
  }
}

/**
 * One partition's subscription: SUBSCRIBE, FLOW permits, decoding (decompression, batches,
 * skipping already-acked batch indexes), acks (waiting for the whole batch before acking an
 * entry), redelivery, SEEK, and re-subscribing after the broker or the connection closed it.
 */
export class PartitionConsumer implements ConnectionListener {
  readonly consumerId: bigint;
  private connection: PulsarConnection | undefined;
  private permitsToReturn = 0;
  private readonly queueSize: number;
  private reconnecting: Promise<void> | undefined;
  private closed = false;
  endOfTopic = false;
  /** Entry key → acked batch indexes, until the whole batch is acked. */
  private readonly batchAcks = new Map<string, Set<number>>();
  /** Non-durable: position to resume after on reconnect. */
  private lastDelivered: MessageId | undefined;
  /**
   * Consumer epoch (sent on subscribe and redeliver-all; the broker stamps it on each message):
   * messages dispatched before the last redeliver-all carry an older one and are dropped, because
   * the broker sends them again.
   */
  private epoch = 0n;
  private resubscribed = 0;
  /**
   * Exclusive/Failover: the broker rewinds the cursor on redeliver-all and stamps what it sends
   * with the new epoch (as the Java client filters). Shared dispatchers may redeliver to anyone.
   */
  private readonly dropsStaleEpochs: boolean;

  /** See {@link Consumer.resubscriptions}. */
  get resubscriptions(): number {
    return this.resubscribed;
  }

  constructor(
    private readonly client: PulsarClient,
    readonly topic: string,
    readonly partition: number,
    private readonly options: ConsumerOptions,
    private readonly parent: Consumer,
  ) {
    this.consumerId = client.newId();
    this.queueSize = options.receiverQueueSize ?? 1000;
    const type = options.subscriptionType ?? 'Exclusive';
    this.dropsStaleEpochs = type === 'Exclusive' || type === 'Failover';
    this.flowing = options.deferFlow !== true;
  }

  async connect(): Promise<void> {
    const options = this.options;
    const durable = options.durable ?? true;
    const type = options.subscriptionType ?? 'Exclusive';
    await this.client.withRetries(async () => {
      const connection = await this.client.connectionFor(this.topic);
      connection.registerConsumer(this.consumerId, this);
      const start = this.lastDelivered ?? options.startMessageId;
      try {
        await connection.request(`subscribe ${options.subscription} on ${this.topic}`, (requestId) => ({
          type: BaseCommand_Type.SUBSCRIBE,
          subscribe: {
            topic: this.topic,
            subscription: options.subscription,
            subType: SUB_TYPES[type],
            consumerId: this.consumerId,
            requestId,
            ...(options.consumerName === undefined ? {} : { consumerName: options.consumerName }),
            ...(options.priorityLevel === undefined ? {} : { priorityLevel: options.priorityLevel }),
            durable,
            ...(durable || start === undefined ? {} : { startMessageId: messageIdToData(start) }),
            initialPosition:
              options.initialPosition === 'earliest'
                ? CommandSubscribe_InitialPosition.Earliest
                : CommandSubscribe_InitialPosition.Latest,
            ...(type === 'Key_Shared' ? { keySharedMeta: { keySharedMode: KeySharedMode.AUTO_SPLIT } } : {}),
            consumerEpoch: this.epoch,
          },
        }));
      } catch (error) {
        connection.unregisterConsumer(this.consumerId);
        throw error;
      }
      this.connection = connection;
    });
    this.permitsToReturn = 0;
    if (this.flowing) this.flow(this.queueSize);
  }

  /** False until the first seek or {@link resume} with `deferFlow`: no FLOW, so nothing is dispatched. */
  private flowing: boolean;

  /** Starts the flow of messages (`deferFlow`) without a seek. */
  resume(): void {
    if (this.flowing) return;
    this.flowing = true;
    this.permitsToReturn = 0;
    if (this.connection !== undefined) this.flow(this.queueSize);
  }

  private flow(permits: number): void {
    try {
      this.connection?.sendCommand({
        type: BaseCommand_Type.FLOW,
        flow: { consumerId: this.consumerId, messagePermits: permits },
      });
    } catch {
      // closed: the reconnect grants a full queue again
    }
  }

  /**
   * The application took `count` messages up to `last`: remember it (non-durable resume point)
   * and return their permits.
   */
  taken(last: MessageId, count: number): void {
    if (this.options.durable === false) this.lastDelivered = last;
    this.delivered(count);
  }

  /** Returns permits in chunks of half the queue. */
  delivered(count: number): void {
    this.permitsToReturn += count;
    if (this.permitsToReturn >= Math.max(1, this.queueSize >> 1)) {
      const permits = this.permitsToReturn;
      this.permitsToReturn = 0;
      this.flow(permits);
    }
  }

  onFrame(frame: Frame): void {
    const { command } = frame;
    const message = command.message;
    if (message !== undefined && frame.metadata !== undefined && frame.payload !== undefined) {
      if (this.dropsStaleEpochs && this.isStale(message)) {
        // Sent before a redeliver-all: the broker rewinds and sends it again.
        this.delivered(Math.max(1, frame.metadata.numMessagesInBatch));
        return;
      }
      const idData = message.messageId;
      if (idData === undefined) return;
      // Where a non-durable subscription stood when the entry arrived (what it skips).
      const start =
        this.options.durable === false ? (this.lastDelivered ?? this.options.startMessageId) : undefined;
      const inclusive = this.lastDelivered === undefined && this.options.startMessageIdInclusive === true;
      const decode = (permitsReturned: boolean): ConsumerMessage[] => {
        try {
          return this.decodeEntry(
            idData,
            message.redeliveryCount,
            message.ackSet,
            frame,
            start,
            inclusive,
            permitsReturned,
          );
        } catch (error) {
          // Neither acked nor skipped: every later receive fails, naming the message.
          const failure = new PulsarMessageDecodeError(
            `${this.topic}: message ${idData.ledgerId}:${idData.entryId} could not be decoded: ${(error as Error).message}`,
            { cause: error },
          );
          // Taken undecoded, the entry is decoded outside the queue: fail the consumer here.
          if (permitsReturned) this.parent.fail(failure);
          throw failure;
        }
      };
      const metadata = frame.metadata;
      const batched = isFieldSet(metadata, MessageMetadataSchema.field.numMessagesInBatch);
      const head = {
        topic: this.topic,
        ledgerId: idData.ledgerId,
        entryId: idData.entryId,
        partition: this.partition,
        batchSize: batched ? metadata.numMessagesInBatch : 0,
        publishTime: Number(metadata.publishTime),
      };
      this.parent.enqueue(new QueuedEntry(this, Math.max(1, metadata.numMessagesInBatch), head, decode));
      return;
    }
    if (command.reachedEndOfTopic !== undefined) {
      this.endOfTopic = true;
      return;
    }
    if (command.closeConsumer !== undefined) {
      this.connection?.unregisterConsumer(this.consumerId);
      this.onConnectionClosed(new PulsarConnectionError(`${this.topic}: the broker closed the consumer`));
    }
  }

  private isStale(message: NonNullable<Frame['command']['message']>): boolean {
    return (
      isFieldSet(message, CommandMessageSchema.field.consumerEpoch) &&
      message.consumerEpoch >= 0n &&
      message.consumerEpoch < this.epoch
    );
  }

  /**
   * The messages of one received entry (decompressed, a batch split), without those already
   * acked (batch-index ack set), compacted out, or before a non-durable `start`; their permits
   * are returned here, the others' when they are taken.
   */
  private decodeEntry(
    idData: MessageIdData,
    redeliveryCount: number,
    ackSet: readonly bigint[],
    frame: Frame,
    start: MessageId | undefined,
    inclusive: boolean,
    permitsReturned: boolean,
  ): ConsumerMessage[] {
    const metadata = frame.metadata as MessageMetadata;
    const payload = decompress(metadata.compression, frame.payload as Uint8Array, metadata.uncompressedSize);
    const { ledgerId, entryId } = idData;
    const partition = this.partition;
    const skip = (id: MessageId) =>
      start !== undefined &&
      start !== EARLIEST &&
      start !== LATEST &&
      (inclusive ? compareMessageIds(id, start) < 0 : compareMessageIds(id, start) <= 0);
    const publishTime = Number(metadata.publishTime);
    if (!isFieldSet(metadata, MessageMetadataSchema.field.numMessagesInBatch)) {
      const id: MessageId = { ledgerId, entryId, partition, batchIndex: -1, batchSize: 0 };
      if (skip(id)) {
        if (!permitsReturned) this.delivered(1);
        return [];
      }
      return [
        this.message(id, payload, metadata, publishTime, redeliveryCount, metadata, metadata.sequenceId),
      ];
    }
    const entries = decodeBatch(payload, metadata.numMessagesInBatch);
    const batchSize = entries.length;
    const messages: ConsumerMessage[] = [];
    for (let index = 0; index < batchSize; index++) {
      const entry = entries[index] as (typeof entries)[number];
      const id: MessageId = { ledgerId, entryId, partition, batchIndex: index, batchSize };
      // A set bit in ack_set = not yet acknowledged (batch-index acks on the broker).
      const acked = ackSet.length > 0 && ((ackSet[index >> 6] ?? 0n) >> BigInt(index & 63)) % 2n === 0n;
      const m = entry.metadata;
      if (acked || m.compactedOut || skip(id)) {
        if (!permitsReturned) this.delivered(1);
        continue;
      }
      const sequenceId = m.sequenceId !== 0n ? m.sequenceId : metadata.sequenceId + BigInt(index);
      messages.push(this.message(id, entry.payload, metadata, publishTime, redeliveryCount, m, sequenceId));
    }
    return messages;
  }

  private message(
    messageId: MessageId,
    payload: Uint8Array,
    metadata: MessageMetadata,
    publishTime: number,
    redeliveryCount: number,
    own: Pick<SingleMessageMetadata, 'partitionKey' | 'orderingKey' | 'properties' | 'eventTime'>,
    sequenceId: bigint,
  ): ConsumerMessage {
    return {
      topic: this.topic,
      messageId,
      payload,
      key: own.partitionKey === '' ? undefined : own.partitionKey,
      orderingKey: own.orderingKey.length > 0 ? own.orderingKey : undefined,
      properties: own.properties.length === 0 ? NO_PROPERTIES : propertiesOf(own.properties),
      publishTime,
      eventTime: Number(own.eventTime),
      redeliveryCount,
      producerName: metadata.producerName,
      sequenceId,
    };
  }

  async acknowledge(
    id: MessageId,
    kind: 'individual' | 'cumulative',
    transaction?: Transaction,
  ): Promise<void> {
    let target = { ...id, batchIndex: -1, batchSize: 0 };
    if (id.batchIndex >= 0 && id.batchSize > 0) {
      if (kind === 'individual') {
        const key = `${id.ledgerId}:${id.entryId}`;
        const acked = this.batchAcks.get(key) ?? new Set<number>();
        acked.add(id.batchIndex);
        if (acked.size < id.batchSize) {
          this.batchAcks.set(key, acked);
          return;
        }
        this.batchAcks.delete(key);
      } else if (id.batchIndex < id.batchSize - 1) {
        // Not the batch's last message: the entry is not done, ack up to the previous entry.
        if (id.entryId === 0n) return;
        target = { ...target, entryId: id.entryId - 1n };
      }
    }
    const connection = this.connection;
    if (connection === undefined || connection.closed) {
      throw new PulsarConnectionError(
        `ack on ${this.topic}: not connected (the broker redelivers unacked messages)`,
      );
    }
    const ackType = kind === 'individual' ? CommandAck_AckType.Individual : CommandAck_AckType.Cumulative;
    if (transaction === undefined) {
      if (kind === 'individual') this.groupedIndividual.push(target);
      else if (
        this.groupedCumulative === undefined ||
        compareMessageIds(target, this.groupedCumulative) > 0
      ) {
        this.groupedCumulative = target;
      }
      const groupMs = this.options.ackGroupTimeMs ?? 10;
      if (groupMs <= 0 || this.groupedIndividual.length >= 1000) this.flushAcks();
      else this.ackTimer ??= setTimeout(() => this.flushAcks(), groupMs);
      return;
    }
    await transaction.registerSubscription(this.topic, this.options.subscription);
    const done = connection
      .request(`ack on ${this.topic} in transaction`, (requestId) => ({
        type: BaseCommand_Type.ACK,
        ack: {
          consumerId: this.consumerId,
          ackType,
          messageId: [messageIdToData(target)],
          txnidMostBits: transaction.id.mostBits,
          txnidLeastBits: transaction.id.leastBits,
          requestId,
        },
      }))
      .then(() => undefined);
    transaction.trackAck(done);
    await done;
  }

  /** See {@link Consumer.acknowledgeEntries}. */
  async acknowledgeEntries(entries: readonly MessageId[]): Promise<void> {
    if (entries.length === 0) return;
    const connection = this.connection;
    if (connection === undefined || connection.closed) {
      throw new PulsarConnectionError(`ack on ${this.topic}: not connected`);
    }
    await connection.request(`ack of ${entries.length} entries on ${this.topic}`, (requestId) => ({
      type: BaseCommand_Type.ACK,
      ack: {
        consumerId: this.consumerId,
        ackType: CommandAck_AckType.Individual,
        messageId: entries.map((id) => messageIdToData({ ...id, batchIndex: -1, batchSize: 0 })),
        requestId,
      },
    }));
  }

  /** See {@link Consumer.acknowledgeEntriesInTransaction}. */
  async acknowledgeEntriesInTransaction(
    entries: readonly MessageId[],
    transaction: Transaction,
  ): Promise<void> {
    if (entries.length === 0) return;
    const connection = this.connection;
    if (connection === undefined || connection.closed) {
      throw new PulsarConnectionError(
        `ack on ${this.topic} in transaction: not connected (the broker redelivers unacked messages)`,
      );
    }
    await transaction.registerSubscription(this.topic, this.options.subscription);
    const done = connection
      .request(`ack of ${entries.length} entries on ${this.topic} in transaction`, (requestId) => ({
        type: BaseCommand_Type.ACK,
        ack: {
          consumerId: this.consumerId,
          ackType: CommandAck_AckType.Individual,
          messageId: entries.map((id) => messageIdToData({ ...id, batchIndex: -1, batchSize: 0 })),
          txnidMostBits: transaction.id.mostBits,
          txnidLeastBits: transaction.id.leastBits,
          requestId,
        },
      }))
      .then(() => undefined);
    transaction.trackAck(done);
    await done;
  }

  /** The subscription's backlog on this partition (CONSUMER_STATS). */
  async backlog(): Promise<number> {
    const connection = this.connection;
    if (connection === undefined) throw new PulsarConnectionError(`stats of ${this.topic}: not connected`);
    const answer = await connection.request(`consumer stats on ${this.topic}`, (requestId) => ({
      type: BaseCommand_Type.CONSUMER_STATS,
      consumerStats: { consumerId: this.consumerId, requestId },
    }));
    return Number(answer.consumerStatsResponse?.msgBacklog ?? 0n);
  }

  private groupedIndividual: MessageId[] = [];
  private groupedCumulative: MessageId | undefined;
  private ackTimer: NodeJS.Timeout | undefined;

  /** Sends the grouped acks: one ACK with every individual id, one with the highest cumulative. */
  flushAcks(): void {
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    const individual = this.groupedIndividual;
    const cumulative = this.groupedCumulative;
    this.groupedIndividual = [];
    this.groupedCumulative = undefined;
    const connection = this.connection;
    if (connection === undefined || connection.closed) return; // the broker redelivers them
    try {
      if (individual.length > 0) {
        connection.sendCommand({
          type: BaseCommand_Type.ACK,
          ack: {
            consumerId: this.consumerId,
            ackType: CommandAck_AckType.Individual,
            messageId: individual.map(messageIdToData),
          },
        });
      }
      if (cumulative !== undefined) {
        connection.sendCommand({
          type: BaseCommand_Type.ACK,
          ack: {
            consumerId: this.consumerId,
            ackType: CommandAck_AckType.Cumulative,
            messageId: [messageIdToData(cumulative)],
          },
        });
      }
    } catch {
      // closed meanwhile: unacked messages are redelivered
    }
  }

  /** Redelivers `ids`, or every unacknowledged message when empty (queued ones are dropped first). */
  redeliver(ids: readonly MessageId[]): void {
    if (ids.length === 0) {
      this.epoch++;
      const dropped = this.parent.dropQueued(this);
      if (dropped > 0) this.delivered(dropped);
    }
    try {
      this.connection?.sendCommand({
        type: BaseCommand_Type.REDELIVER_UNACKNOWLEDGED_MESSAGES,
        redeliverUnacknowledgedMessages: {
          consumerId: this.consumerId,
          messageIds: ids.map((id) => messageIdToData({ ...id, batchIndex: -1, batchSize: 0 })),
          consumerEpoch: this.epoch,
        },
      });
    } catch {
      // not connected: the broker redelivers on reconnect anyway
    }
  }

  async seek(position: MessageId | { publishTime: number }): Promise<void> {
    this.flushAcks(); // acks sent before the seek must not land after it
    const connection = this.connection;
    if (connection === undefined) throw new PulsarConnectionError(`seek on ${this.topic}: not connected`);
    // The broker closes the consumer after a seek; the CLOSE_CONSUMER handler re-subscribes.
    this.parent.dropQueued(this);
    this.batchAcks.clear();
    // The broker closes the consumer; its re-subscription grants the permits (`deferFlow`).
    const grantAfter = !this.flowing;
    const resubscribed = this.resubscribed;
    this.flowing = true;
    if ('publishTime' in position) this.lastDelivered = undefined;
    else this.lastDelivered = this.options.durable === false ? position : undefined;
    try {
      await connection.request(`seek on ${this.topic}`, (requestId) => ({
        type: BaseCommand_Type.SEEK,
        seek: {
          consumerId: this.consumerId,
          requestId,
          ...('publishTime' in position
            ? { messagePublishTime: BigInt(position.publishTime) }
            : { messageId: messageIdToData({ ...position, batchIndex: -1, batchSize: 0 }) }),
        },
      }));
    } catch (error) {
      // Failed on a consumer the broker kept: still no permits, as before the seek.
      if (grantAfter && this.resubscribed === resubscribed) this.flowing = false;
      throw error;
    }
    await this.reconnecting;
    // Kept by the broker after all: no re-subscription granted the deferred permits.
    if (grantAfter && this.resubscribed === resubscribed) this.flow(this.queueSize);
  }

  async lastMessageId(): Promise<MessageId> {
    return (await this.positions()).lastMessageId;
  }

  /** The partition's last message id and the subscription's mark-delete position (GET_LAST_MESSAGE_ID). */
  async positions(): Promise<{ lastMessageId: MessageId; markDeletePosition: MessageId | undefined }> {
    const connection = this.connection ?? (await this.client.connectionFor(this.topic));
    const answer = await connection.request(`last message id of ${this.topic}`, (requestId) => ({
      type: BaseCommand_Type.GET_LAST_MESSAGE_ID,
      getLastMessageId: { consumerId: this.consumerId, requestId },
    }));
    const response = answer.getLastMessageIdResponse;
    const last = response?.lastMessageId;
    const markDelete = response?.consumerMarkDeletePosition;
    return {
      lastMessageId: last === undefined ? EARLIEST : messageIdFromData(last, this.partition),
      markDeletePosition:
        markDelete === undefined ? undefined : messageIdFromData(markDelete, this.partition),
    };
  }

  async unsubscribe(): Promise<void> {
    const connection = this.connection;
    if (connection === undefined)
      throw new PulsarConnectionError(`unsubscribe on ${this.topic}: not connected`);
    await connection.request(`unsubscribe ${this.options.subscription} on ${this.topic}`, (requestId) => ({
      type: BaseCommand_Type.UNSUBSCRIBE,
      unsubscribe: { consumerId: this.consumerId, requestId },
    }));
  }

  onConnectionClosed(_error: Error): void {
    this.connection = undefined;
    this.parent.dropQueued(this);
    this.batchAcks.clear();
    if (this.closed || this.reconnecting !== undefined) return;
    this.epoch++;
    this.resubscribed++;
    this.reconnecting = this.connect()
      .catch(() => undefined)
      .finally(() => {
        this.reconnecting = undefined;
      });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.flushAcks();
    const connection = this.connection;
    this.connection = undefined;
    if (connection !== undefined && !connection.closed) {
      await connection
        .request(`close consumer on ${this.topic}`, (requestId) => ({
          type: BaseCommand_Type.CLOSE_CONSUMER,
          closeConsumer: { consumerId: this.consumerId, requestId },
        }))
        .catch(() => undefined);
      connection.unregisterConsumer(this.consumerId);
    }
  }
}

export { PulsarClosedError };
