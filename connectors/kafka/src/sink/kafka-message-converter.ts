import { type SinkWriterContext, TributaryError } from '@tributary/core';
import {
  DEFAULT_COORDINATOR_FAILOVER_TIMEOUT_MS,
  retryThroughFailover,
} from '../client/coordinator-failover.js';
import { wrapKafkaError } from '../client/kafka-errors.js';
import type { KafkaJsCluster, KafkaJsMessage } from '../client/kafkajs-internals.js';
import { KafkaErrorCodes } from '../kafka-error-codes.js';
import type {
  KafkaBytes,
  KafkaHeaders,
  KafkaPartitionerFunction,
  KafkaProducerRecord,
  KafkaRecordSerializer,
  KafkaSinkContext,
} from './kafka-record-serializer.js';

/** One write's messages, grouped by topic, with their sizes for the metrics. */
export interface ConvertedBatch {
  readonly topicMessages: Map<string, KafkaJsMessage[]>;
  readonly count: number;
  readonly bytes: number;
}

/**
 * Turns a batch of records into kafkajs messages grouped by topic (one pass, no per-record
 * promise), applying the partitioner. The `default` partitioner is left to kafkajs (murmur2 of the
 * key, the Java client's); the others need the topic's partition count, read from the cluster's
 * metadata after the batch's topics are made known to it.
 */
export class KafkaMessageConverter<T> {
  private readonly knownTopics = new Set<string>();
  private readonly partition: KafkaPartitionerFunction<T> | undefined;
  private roundRobin = 0;

  constructor(
    private readonly serializer: KafkaRecordSerializer<T>,
    private readonly context: KafkaSinkContext,
    /** How long a metadata lookup retries through a broker failover (`coordinatorFailoverTimeoutMs`). */
    private readonly failoverTimeoutMs: number = DEFAULT_COORDINATOR_FAILOVER_TIMEOUT_MS,
  ) {
    const partitioner = serializer.partitioner ?? 'default';
    this.partition =
      partitioner === 'default'
        ? undefined
        : partitioner === 'fixed'
          ? (_r, _m, count, ctx) => ctx.subtaskId % count
          : partitioner === 'round-robin'
            ? (_r, _m, count) => {
                this.roundRobin = (this.roundRobin + 1) & 0x7fffffff;
                return this.roundRobin % count;
              }
            : partitioner;
    // Start round-robin at a different partition per subtask so writers do not move in lockstep.
    this.roundRobin = context.subtaskId;
  }

  async convert(
    batch: readonly T[],
    writerContext: SinkWriterContext,
    cluster: KafkaJsCluster,
  ): Promise<ConvertedBatch> {
    const records = this.serialize(batch, writerContext);
    if (this.partition !== undefined && this.hasUnknownTopic(records))
      await this.ensureTopics(records, cluster);
    const topicMessages = new Map<string, KafkaJsMessage[]>();
    let bytes = 0;
    // Records of a batch mostly share one topic: its list and partition count are looked up once
    // per run of records, not per record (metadata cannot change within this synchronous loop).
    let topic: string | undefined;
    let list: KafkaJsMessage[] = [];
    let partitionCount = -1;
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as KafkaProducerRecord;
      if (record.topic !== topic) {
        topic = record.topic;
        const known = topicMessages.get(topic);
        if (known === undefined) {
          list = [];
          topicMessages.set(topic, list);
        } else list = known;
        partitionCount = -1;
      }
      const message: KafkaJsMessage = { value: toBuffer(record.value) };
      if (record.key !== undefined && record.key !== null) message.key = toBuffer(record.key);
      if (record.headers !== undefined) message.headers = toHeaders(record.headers);
      if (record.timestamp !== undefined) message.timestamp = String(record.timestamp);
      if (record.partition !== undefined) {
        message.partition = record.partition;
      } else if (this.partition !== undefined) {
        if (partitionCount < 0) partitionCount = cluster.findTopicPartitionMetadata(topic).length;
        message.partition = this.partition(batch[i] as T, record, partitionCount, this.context);
      }
      bytes += (message.value?.length ?? 0) + (message.key?.length ?? 0);
      list.push(message);
    }
    return { topicMessages, count: records.length, bytes };
  }

  private serialize(batch: readonly T[], writerContext: SinkWriterContext): KafkaProducerRecord[] {
    const records: KafkaProducerRecord[] = new Array(batch.length);
    for (let i = 0; i < batch.length; i++) {
      try {
        records[i] = this.serializer.serialize(batch[i] as T, writerContext.timestamp(i), this.context);
      } catch (cause) {
        throw new TributaryError(
          KafkaErrorCodes.SERIALIZATION_FAILED,
          `Kafka record serializer failed on record ${i} of the batch: ${(cause as Error)?.message ?? String(cause)}`,
          { cause, context: { index: i } },
        );
      }
    }
    return records;
  }

  /** Whether a record goes to a topic whose metadata was not asked for yet (checked once per run of one topic). */
  private hasUnknownTopic(records: readonly KafkaProducerRecord[]): boolean {
    let last: string | undefined;
    for (const { topic } of records) {
      if (topic === last) continue;
      if (!this.knownTopics.has(topic)) return true;
      last = topic;
    }
    return false;
  }

  private async ensureTopics(
    records: readonly KafkaProducerRecord[],
    cluster: KafkaJsCluster,
  ): Promise<void> {
    const fresh: string[] = [];
    for (const record of records) {
      if (!this.knownTopics.has(record.topic) && !fresh.includes(record.topic)) fresh.push(record.topic);
    }
    if (fresh.length === 0) return;
    try {
      // A broker dying under the metadata request is a connection error, not an unknown topic.
      await retryThroughFailover(
        cluster,
        'Metadata',
        () => cluster.addMultipleTargetTopics(fresh),
        this.failoverTimeoutMs,
      );
    } catch (error) {
      throw wrapKafkaError(error, 'metadata', { topics: fresh }, KafkaErrorCodes.UNKNOWN_TOPIC);
    }
    for (const topic of fresh) this.knownTopics.add(topic);
  }
}

function toBuffer(bytes: KafkaBytes): Buffer;
function toBuffer(bytes: KafkaBytes | null): Buffer | null;
function toBuffer(bytes: KafkaBytes | null): Buffer | null {
  if (bytes === null) return null;
  if (typeof bytes === 'string') return Buffer.from(bytes, 'utf8');
  if (Buffer.isBuffer(bytes)) return bytes;
  // A view on the same memory: no copy.
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function toHeaders(headers: KafkaHeaders): Record<string, Buffer | Buffer[]> {
  const out: Record<string, Buffer | Buffer[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] = Array.isArray(value)
      ? value.map((v: KafkaBytes) => toBuffer(v))
      : toBuffer(value as KafkaBytes);
  }
  return out;
}
