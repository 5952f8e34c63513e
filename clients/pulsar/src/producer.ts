import { create } from '@bufbuild/protobuf';
import type { PulsarClient } from './client.js';
import type { ConnectionListener, PulsarConnection } from './connection.js';
import {
  PulsarClosedError,
  PulsarConnectionError,
  PulsarInDoubtSendError,
  PulsarServerError,
} from './errors.js';
import { type MessageId, messageIdFromData } from './message-id.js';
import {
  BaseCommand_Type,
  type CompressionType,
  MessageIdDataSchema,
  type MessageMetadata,
  MessageMetadataSchema,
} from './proto/PulsarApi_pb.js';
import { type BatchEntry, encodeBatch, singleMessageMetadata } from './protocol/batch.js';
import {
  COMPRESSION_TYPES,
  compress,
  type PulsarCompression,
  prepareCompression,
} from './protocol/compression.js';
import type { Frame } from './protocol/frame.js';
import { fullTopicName, partitionTopicName } from './topic-name.js';
import type { Transaction } from './transaction.js';

export interface ProducerOptions {
  readonly topic: string;
  /** Unique producer name; the broker assigns one when unset. */
  readonly producerName?: string;
  /** Batch messages sent close together into one entry. Default true. */
  readonly batchingEnabled?: boolean;
  /** Flush a batch after this many messages / bytes / ms. Defaults 1000, 128 KiB, 10 ms. */
  readonly batchingMaxMessages?: number;
  readonly batchingMaxBytes?: number;
  readonly batchingMaxPublishDelayMs?: number;
  /** Payload compression. Default none. */
  readonly compression?: PulsarCompression;
  /** Sends waiting for a receipt per partition before `send` waits. Default 1000. */
  readonly maxPendingMessages?: number;
  /** Partition of a keyed / unkeyed message on a partitioned topic. Default: key hash, else round robin. */
  readonly router?: (message: OutgoingMessage, partitions: number) => number;
  /** Time a send may wait for its receipt, reconnects included (0 = forever). Default 30 s. */
  readonly sendTimeoutMs?: number;
}

export interface OutgoingMessage {
  readonly payload: Uint8Array;
  readonly key?: string;
  readonly orderingKey?: Uint8Array;
  readonly properties?: Readonly<Record<string, string>>;
  /** Event time, ms since the epoch. */
  readonly eventTime?: number;
  /** Deliver no earlier than this time (ms since the epoch); Shared / Key_Shared subscriptions only. */
  readonly deliverAt?: number;
  /** Send inside this transaction; visible to readers once it commits. */
  readonly transaction?: Transaction;
}

type Waiter = { resolve: (id: MessageId) => void; reject: (error: Error) => void };

interface PendingSend {
  readonly sequenceId: bigint;
  readonly highestSequenceId: bigint;
  readonly numMessages: number;
  readonly metadata: MessageMetadata;
  readonly payload: Uint8Array;
  readonly transaction: Transaction | undefined;
  readonly waiters: Waiter[];
  readonly batched: boolean;
  readonly deadline: number;
  /** Written to a connection: after losing it, the broker may or may not have persisted it. */
  written: boolean;
}

/** JavaScript's `String.hashCode` as Java computes it, for the default key → partition routing. */
export function javaStringHash(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(31, hash) + text.charCodeAt(i)) | 0;
  return hash;
}

/** Murmur3 32-bit of the key's UTF-8 bytes (the Java client's default `Murmur3_32Hash`). */
export function murmur3Hash32(text: string): number {
  const data = new TextEncoder().encode(text);
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = 0;
  const blocks = data.length >>> 2;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let i = 0; i < blocks; i++) {
    let k = view.getUint32(i * 4, true);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  const tail = blocks * 4;
  const rest = data.length & 3;
  if (rest >= 3) k ^= (data[tail + 2] as number) << 16;
  if (rest >= 2) k ^= (data[tail + 1] as number) << 8;
  if (rest >= 1) {
    k ^= data[tail] as number;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= data.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** The Java client's default: `signSafeMod(murmur3(key), n)`. */
export function keyHashPartition(key: string, partitions: number): number {
  const hash = murmur3Hash32(key) & 0x7fffffff;
  return hash % partitions;
}

/**
 * A producer on a topic; on a partitioned topic one {@link PartitionProducer} per partition,
 * messages routed by key hash (as the Java client) or round robin.
 */
export class Producer {
  private roundRobin = 0;

  private constructor(
    private readonly client: PulsarClient,
    readonly topic: string,
    private readonly partitions: PartitionProducer[],
    private readonly partitioned: boolean,
    private readonly options: ProducerOptions,
  ) {}

  static async create(client: PulsarClient, options: ProducerOptions): Promise<Producer> {
    const topic = fullTopicName(options.topic);
    await prepareCompression(options.compression ?? 'none');
    const count = await client.withRetries(() => client.partitionCount(topic));
    const names =
      count === 0 ? [topic] : Array.from({ length: count }, (_, i) => partitionTopicName(topic, i));
    const producers = names.map(
      (name, i) => new PartitionProducer(client, name, count === 0 ? -1 : i, options),
    );
    try {
      await Promise.all(producers.map((p) => p.connect()));
    } catch (error) {
      await Promise.allSettled(producers.map((p) => p.close()));
      throw error;
    }
    return new Producer(client, topic, producers, count > 0, options);
  }

  get partitionCount(): number {
    return this.partitioned ? this.partitions.length : 0;
  }

  /** The producer names the broker confirmed, per partition. */
  get producerNames(): string[] {
    return this.partitions.map((p) => p.producerName);
  }

  /** Sends one message; resolves with its id once the broker persisted it. */
  send(message: OutgoingMessage): Promise<MessageId> {
    return (this.partitions[this.choosePartition(message)] as PartitionProducer).send(message);
  }

  /** Sends to one partition (or -1 / 0 on a non-partitioned topic). */
  sendToPartition(partition: number, message: OutgoingMessage): Promise<MessageId> {
    const producer = this.partitions[this.partitioned ? partition : 0];
    if (producer === undefined)
      throw new RangeError(`partition ${partition} of ${this.topic} does not exist`);
    return producer.send(message);
  }

  private choosePartition(message: OutgoingMessage): number {
    if (!this.partitioned) return 0;
    const n = this.partitions.length;
    if (this.options.router !== undefined) return this.options.router(message, n);
    if (message.key !== undefined) return keyHashPartition(message.key, n);
    this.roundRobin = (this.roundRobin + 1) % n;
    return this.roundRobin;
  }

  /** Sends every batched message now and waits for all outstanding receipts. */
  async flush(): Promise<void> {
    await Promise.all(this.partitions.map((p) => p.flush()));
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.partitions.map((p) => p.close()));
    this.client.forget(this);
  }
}

/**
 * A producer on one partition: sequence ids, receipts matched in order, batching with
 * `SingleMessageMetadata`, compression, and resending of unacknowledged sends after a reconnect.
 */
export class PartitionProducer implements ConnectionListener {
  readonly producerId: bigint;
  producerName = '';
  private connection: PulsarConnection | undefined;
  private nextSequenceId = 0n;
  private epoch = 0n;
  private readonly pending: PendingSend[] = [];
  private batch:
    | { entries: BatchEntry[]; waiters: Waiter[]; bytes: number; txn: Transaction | undefined }
    | undefined;
  private batchTimer: NodeJS.Timeout | undefined;
  private reconnecting: Promise<void> | undefined;
  private closed = false;
  private capacityWaiters: (() => void)[] = [];
  private readonly batching: boolean;
  private readonly maxMessages: number;
  private readonly maxBytes: number;
  private readonly maxDelayMs: number;
  private readonly compression: PulsarCompression;
  private readonly maxPending: number;
  private readonly sendTimeoutMs: number;

  constructor(
    private readonly client: PulsarClient,
    readonly topic: string,
    readonly partition: number,
    private readonly options: ProducerOptions,
  ) {
    this.producerId = client.newId();
    this.batching = options.batchingEnabled ?? true;
    this.maxMessages = options.batchingMaxMessages ?? 1000;
    this.maxBytes = options.batchingMaxBytes ?? 128 * 1024;
    this.maxDelayMs = options.batchingMaxPublishDelayMs ?? 10;
    this.compression = options.compression ?? 'none';
    this.maxPending = options.maxPendingMessages ?? 1000;
    this.sendTimeoutMs = options.sendTimeoutMs ?? 30_000;
  }

  /** Looks the partition up, registers the producer, and resends whatever is pending. */
  async connect(): Promise<void> {
    await this.client.withRetries(async () => {
      const connection = await this.client.connectionFor(this.topic);
      connection.registerProducer(this.producerId, this);
      try {
        const answer = await connection.request(`create producer on ${this.topic}`, (requestId) => ({
          type: BaseCommand_Type.PRODUCER,
          producer: {
            topic: this.topic,
            producerId: this.producerId,
            requestId,
            epoch: this.epoch,
            ...(this.options.producerName === undefined
              ? this.producerName === ''
                ? { userProvidedProducerName: false }
                : { producerName: this.producerName, userProvidedProducerName: false }
              : { producerName: this.options.producerName, userProvidedProducerName: true }),
            txnEnabled: true,
          },
        }));
        const success = answer.producerSuccess;
        this.producerName = success?.producerName ?? this.producerName;
        const last = success?.lastSequenceId ?? -1n;
        if (this.nextSequenceId === 0n && last >= 0n) this.nextSequenceId = last + 1n;
        this.connection = connection;
      } catch (error) {
        connection.unregisterProducer(this.producerId);
        throw error;
      }
    });
    this.epoch++;
    for (const op of this.pending) this.write(op);
  }

  async send(message: OutgoingMessage): Promise<MessageId> {
    if (this.closed) throw new PulsarClosedError(`producer on ${this.topic} is closed`);
    while (this.pending.length >= this.maxPending) {
      await new Promise<void>((resolve) => this.capacityWaiters.push(resolve));
      if (this.closed) throw new PulsarClosedError(`producer on ${this.topic} is closed`);
    }
    if (message.transaction !== undefined) await message.transaction.registerPartition(this.topic);
    return new Promise<MessageId>((resolve, reject) => {
      const waiter = { resolve, reject };
      const canBatch = this.batching && message.deliverAt === undefined;
      if (!canBatch) {
        this.flushBatch();
        this.enqueueSingle(message, waiter);
        return;
      }
      if (this.batch !== undefined && this.batch.txn !== message.transaction) this.flushBatch();
      this.batch ??= { entries: [], waiters: [], bytes: 0, txn: message.transaction };
      this.batch.entries.push({
        metadata: singleMessageMetadata({
          ...(message.key === undefined ? {} : { partitionKey: message.key }),
          ...(message.orderingKey === undefined ? {} : { orderingKey: message.orderingKey }),
          ...(message.eventTime === undefined ? {} : { eventTime: BigInt(message.eventTime) }),
          properties: toKeyValues(message.properties),
          payloadSize: message.payload.length,
        }),
        payload: message.payload,
      });
      this.batch.waiters.push(waiter);
      this.batch.bytes += message.payload.length;
      if (this.batch.entries.length >= this.maxMessages || this.batch.bytes >= this.maxBytes)
        this.flushBatch();
      else this.batchTimer ??= setTimeout(() => this.flushBatch(), this.maxDelayMs);
    });
  }

  private enqueueSingle(message: OutgoingMessage, waiter: Waiter): void {
    const sequenceId = this.nextSequenceId++;
    const uncompressed = message.payload;
    const metadata = create(MessageMetadataSchema, {
      producerName: this.producerName,
      sequenceId,
      publishTime: BigInt(Date.now()),
      properties: toKeyValues(message.properties),
      ...(message.key === undefined ? {} : { partitionKey: message.key }),
      ...(message.orderingKey === undefined ? {} : { orderingKey: message.orderingKey }),
      ...(message.eventTime === undefined ? {} : { eventTime: BigInt(message.eventTime) }),
      ...(message.deliverAt === undefined ? {} : { deliverAtTime: BigInt(message.deliverAt) }),
      ...this.compressionFields(uncompressed.length),
      ...txnFields(message.transaction),
    });
    this.enqueue({
      sequenceId,
      highestSequenceId: sequenceId,
      numMessages: 1,
      metadata,
      payload: compress(this.compression, uncompressed),
      transaction: message.transaction,
      waiters: [waiter],
      batched: false,
      deadline: this.deadline(),
      written: false,
    });
  }

  private compressionFields(uncompressedSize: number): {
    compression?: CompressionType;
    uncompressedSize?: number;
  } {
    if (this.compression === 'none') return {};
    return { compression: COMPRESSION_TYPES[this.compression], uncompressedSize };
  }

  private deadline(): number {
    return this.sendTimeoutMs > 0 ? Date.now() + this.sendTimeoutMs : Number.POSITIVE_INFINITY;
  }

  /** Turns the open batch into one SEND. */
  private flushBatch(): void {
    clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    const batch = this.batch;
    if (batch === undefined || batch.entries.length === 0) return;
    this.batch = undefined;
    const count = batch.entries.length;
    const sequenceId = this.nextSequenceId;
    this.nextSequenceId += BigInt(count);
    const raw = encodeBatch(batch.entries);
    const first = (batch.entries[0] as (typeof batch.entries)[number]).metadata;
    const metadata = create(MessageMetadataSchema, {
      producerName: this.producerName,
      sequenceId,
      highestSequenceId: sequenceId + BigInt(count - 1),
      publishTime: BigInt(Date.now()),
      numMessagesInBatch: count,
      // The entry carries its first message's key, as the Java client's batches do: Key_Shared
      // dispatchers route whole entries by it.
      ...(first.partitionKey === '' ? {} : { partitionKey: first.partitionKey }),
      ...(first.orderingKey.length === 0 ? {} : { orderingKey: first.orderingKey }),
      ...this.compressionFields(raw.length),
      ...txnFields(batch.txn),
    });
    this.enqueue({
      sequenceId,
      highestSequenceId: sequenceId + BigInt(count - 1),
      numMessages: count,
      metadata,
      payload: compress(this.compression, raw),
      transaction: batch.txn,
      waiters: batch.waiters,
      batched: true,
      deadline: this.deadline(),
      written: false,
    });
  }

  private enqueue(op: PendingSend): void {
    const failure = op.transaction?.failure;
    if (failure !== undefined) {
      this.failOp(op, this.failedTransactionError(op.transaction as Transaction, failure));
      return;
    }
    this.pending.push(op);
    op.transaction?.trackSend(
      new Promise<void>((resolve, reject) => {
        const first = op.waiters[0] as Waiter;
        op.waiters[0] = {
          resolve: (id) => {
            resolve();
            first.resolve(id);
          },
          reject: (error) => {
            reject(error);
            first.reject(error);
          },
        };
      }),
    );
    if (this.connection !== undefined && !this.connection.closed) this.write(op);
    this.armSendTimeout();
  }

  private write(op: PendingSend): void {
    const connection = this.connection;
    if (connection === undefined || connection.closed) return;
    const txn = op.transaction;
    op.metadata.producerName = this.producerName;
    try {
      connection.sendPayload(
        {
          type: BaseCommand_Type.SEND,
          send: {
            producerId: this.producerId,
            sequenceId: op.sequenceId,
            numMessages: op.numMessages,
            ...(op.highestSequenceId !== op.sequenceId ? { highestSequenceId: op.highestSequenceId } : {}),
            ...(txn === undefined
              ? {}
              : { txnidMostBits: txn.id.mostBits, txnidLeastBits: txn.id.leastBits }),
          },
        },
        op.metadata,
        op.payload,
      );
      op.written = true;
    } catch {
      // The connection closed under us: the reconnect resends everything pending.
    }
  }

  private sendTimer: NodeJS.Timeout | undefined;
  private armSendTimeout(): void {
    if (this.sendTimer !== undefined || this.sendTimeoutMs <= 0) return;
    this.sendTimer = setTimeout(
      () => {
        this.sendTimer = undefined;
        const now = Date.now();
        while (this.pending.length > 0 && (this.pending[0] as PendingSend).deadline <= now) {
          const op = this.pending.shift() as PendingSend;
          this.failOp(
            op,
            new PulsarConnectionError(`send to ${this.topic}: no receipt within ${this.sendTimeoutMs} ms`),
          );
        }
        this.releaseCapacity();
        if (this.pending.length > 0) this.armSendTimeout();
      },
      Math.max(10, ((this.pending[0]?.deadline ?? Date.now()) - Date.now()) | 0),
    );
    this.sendTimer.unref();
  }

  private failOp(op: PendingSend, error: Error): void {
    for (const waiter of op.waiters) waiter.reject(error);
  }

  private releaseCapacity(): void {
    const waiters = this.capacityWaiters;
    this.capacityWaiters = [];
    for (const wake of waiters) wake();
  }

  onFrame(frame: Frame): void {
    const { command } = frame;
    if (command.sendReceipt !== undefined) {
      const receipt = command.sendReceipt;
      const head = this.pending[0];
      if (head === undefined || receipt.sequenceId < head.sequenceId) return; // duplicate after resend
      if (receipt.sequenceId > head.sequenceId) {
        // Receipts arrive in order; a gap means the connection state is confused: start over.
        this.connection?.close(
          new PulsarConnectionError(`${this.topic}: out-of-order receipt ${receipt.sequenceId}`),
        );
        return;
      }
      this.pending.shift();
      const id = receipt.messageId;
      head.waiters.forEach((waiter, index) => {
        const base = messageIdFromData(id ?? create(MessageIdDataSchema), this.partition);
        waiter.resolve(
          head.batched
            ? { ...base, batchIndex: index, batchSize: head.numMessages }
            : { ...base, batchIndex: -1 },
        );
      });
      this.releaseCapacity();
      return;
    }
    if (command.sendError !== undefined) {
      const error = command.sendError;
      // The broker names a batch by its highest sequence id, and later sends may have been
      // persisted already: the failed send is looked up, not assumed to be the head.
      const index = this.pending.findIndex(
        (op) => op.sequenceId <= error.sequenceId && error.sequenceId <= op.highestSequenceId,
      );
      if (index < 0) return;
      // Checksum errors are ours to resend; anything else fails the send.
      if (error.error === 9 /* ChecksumError */) {
        this.connection?.close(new PulsarConnectionError(`${this.topic}: checksum error, resending`));
        return;
      }
      const [failed] = this.pending.splice(index, 1) as [PendingSend];
      const cause = new PulsarServerError(error.error, error.message, `send to ${this.topic}`);
      // A later send of the same transaction must not be persisted past the gap (see markFailed).
      failed.transaction?.markFailed(cause);
      this.failOp(failed, cause);
      this.releaseCapacity();
      return;
    }
    if (command.closeProducer !== undefined) {
      this.connection?.unregisterProducer(this.producerId);
      this.onConnectionClosed(new PulsarConnectionError(`${this.topic}: the broker closed the producer`));
    }
  }

  onConnectionClosed(error: Error): void {
    this.connection = undefined;
    this.failInDoubtTransactionalSends(error);
    if (this.closed || this.reconnecting !== undefined) return;
    this.reconnecting = this.connect()
      .catch((error: Error) => {
        for (const op of this.pending.splice(0)) this.failOp(op, error);
        this.releaseCapacity();
      })
      .finally(() => {
        this.reconnecting = undefined;
      });
  }

  /**
   * The connection is gone with sends it carried and no receipt for them. Outside a transaction
   * they are resent after the reconnect (at-least-once, as the Java client does). Inside one they
   * are not: the broker may have persisted them, and without topic deduplication a resend would
   * store them twice in the transaction, which a commit would make visible. Every pending send of
   * such a transaction fails with {@link PulsarInDoubtSendError} and the transaction is marked
   * failed, so its owner aborts it (a commit through {@link Transaction.commit} refuses).
   */
  private failInDoubtTransactionalSends(cause: Error): void {
    const doomed = new Set<Transaction>();
    for (const op of this.pending) if (op.written && op.transaction !== undefined) doomed.add(op.transaction);
    if (doomed.size === 0) return;
    const kept: PendingSend[] = [];
    for (const op of this.pending.splice(0)) {
      if (op.transaction === undefined || !doomed.has(op.transaction)) {
        kept.push(op);
        continue;
      }
      const error = new PulsarInDoubtSendError(
        `send to ${this.topic} in transaction ${txnName(op.transaction)}: the connection was lost before its receipt (${cause.message}); the broker may have stored it, so it is not resent — abort the transaction`,
        { cause },
      );
      op.transaction.markFailed(error);
      this.failOp(op, error);
    }
    this.pending.push(...kept);
    this.releaseCapacity();
  }

  private failedTransactionError(txn: Transaction, cause: Error): Error {
    return new PulsarInDoubtSendError(
      `send to ${this.topic} in transaction ${txnName(txn)}: an earlier send of the transaction failed (${cause.message}); abort it`,
      { cause },
    );
  }

  async flush(): Promise<void> {
    this.flushBatch();
    const last = this.pending.at(-1);
    if (last === undefined) return;
    await new Promise<void>((resolve) => {
      const waiter = last.waiters.at(-1) as Waiter;
      const index = last.waiters.length - 1;
      last.waiters[index] = {
        resolve: (id) => {
          waiter.resolve(id);
          resolve();
        },
        reject: (error) => {
          waiter.reject(error);
          resolve();
        },
      };
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush().catch(() => undefined);
    this.closed = true;
    clearTimeout(this.sendTimer);
    const connection = this.connection;
    this.connection = undefined;
    if (connection !== undefined && !connection.closed) {
      await connection
        .request(`close producer on ${this.topic}`, (requestId) => ({
          type: BaseCommand_Type.CLOSE_PRODUCER,
          closeProducer: { producerId: this.producerId, requestId },
        }))
        .catch(() => undefined);
      connection.unregisterProducer(this.producerId);
    }
    const error = new PulsarClosedError(`producer on ${this.topic} closed`);
    for (const op of this.pending.splice(0)) this.failOp(op, error);
    this.releaseCapacity();
  }
}

function toKeyValues(
  properties: Readonly<Record<string, string>> | undefined,
): { key: string; value: string }[] {
  if (properties === undefined) return [];
  return Object.entries(properties).map(([key, value]) => ({ key, value }));
}

function txnName(txn: Transaction): string {
  return `(${txn.id.mostBits},${txn.id.leastBits})`;
}

function txnFields(txn: Transaction | undefined): { txnidMostBits?: bigint; txnidLeastBits?: bigint } {
  return txn === undefined ? {} : { txnidMostBits: txn.id.mostBits, txnidLeastBits: txn.id.leastBits };
}
