import { retry } from '@tributary/core';
import { Kafka, logLevel } from 'kafkajs';
import { decodeFetchedPartition } from '../client/fetched-partition.js';
import {
  createCluster,
  ISOLATION_READ_COMMITTED,
  ISOLATION_READ_UNCOMMITTED,
  type KafkaJsFetchedMessage,
} from '../client/kafkajs-internals.js';

/** What a test sees in one partition. */
export interface PartitionContents {
  readonly partition: number;
  readonly values: string[];
  readonly keys: (string | null)[];
  readonly messages: KafkaJsFetchedMessage[];
  /** Last stable offset: a transaction still open holds it at its first record. */
  readonly lastStableOffset: number;
  readonly highWatermark: number;
}

/**
 * Test-only: reads a whole topic as a `read_committed` (default) or `read_uncommitted` consumer
 * would right now — everything below the last stable offset — with the fetch API, no group.
 */
export function readTopic(
  brokers: readonly string[],
  topic: string,
  options: { readonly isolation?: 'read_committed' | 'read_uncommitted' } = {},
): Promise<PartitionContents[]> {
  // A leader that moved or is not ready yet (NOT_LEADER right after topic creation, under load)
  // is read again with fresh metadata: the read is whole or not at all.
  return retry(() => readTopicOnce(brokers, topic, options), {
    maxAttempts: 20,
    initialDelayMs: 100,
    maxDelayMs: 1000,
    isRetriable: (error) => (error as { retriable?: unknown }).retriable === true,
    operation: `read topic ${topic}`,
  });
}

async function readTopicOnce(
  brokers: readonly string[],
  topic: string,
  options: { readonly isolation?: 'read_committed' | 'read_uncommitted' },
): Promise<PartitionContents[]> {
  const isolation =
    options.isolation === 'read_uncommitted' ? ISOLATION_READ_UNCOMMITTED : ISOLATION_READ_COMMITTED;
  const kafka = new Kafka({
    brokers: [...brokers],
    clientId: 'kafka-test-reader',
    logLevel: logLevel.NOTHING,
  });
  const cluster = createCluster(kafka, { metadataMaxAgeMs: 60_000, isolationLevel: isolation });
  await cluster.connect();
  try {
    await cluster.addMultipleTargetTopics([topic]);
    const partitions = cluster.findTopicPartitionMetadata(topic);
    const result: PartitionContents[] = [];
    for (const meta of [...partitions].sort((a, b) => a.partitionId - b.partitionId)) {
      const broker = await cluster.findBroker({ nodeId: meta.leader });
      const messages: KafkaJsFetchedMessage[] = [];
      let position = 0;
      let lso = 0;
      let hw = 0;
      for (;;) {
        const response = await broker.fetch({
          isolationLevel: isolation,
          maxWaitTime: 100,
          minBytes: 1,
          maxBytes: 10_485_760,
          topics: [
            {
              topic,
              partitions: [
                { partition: meta.partitionId, fetchOffset: String(position), maxBytes: 1_048_576 },
              ],
            },
          ],
        });
        const data = response.responses[0]?.partitions[0];
        if (!data) throw new Error('empty fetch response');
        hw = Number(data.highWatermark);
        lso = isolation === ISOLATION_READ_COMMITTED ? Number(data.lastStableOffset) : hw;
        const fetched = decodeFetchedPartition(position, data, isolation === ISOLATION_READ_COMMITTED);
        messages.push(...fetched.records);
        if (fetched.nextOffset === undefined || fetched.nextOffset >= lso) break;
        position = fetched.nextOffset;
      }
      result.push({
        partition: meta.partitionId,
        messages,
        values: messages.map((m) => m.value?.toString() ?? '<null>'),
        keys: messages.map((m) => (m.key === null ? null : m.key.toString())),
        lastStableOffset: lso,
        highWatermark: hw,
      });
    }
    return result;
  } finally {
    await cluster.disconnect();
  }
}

/**
 * Test-only: reads a topic (read_committed) once no transaction is open on it — last stable offset
 * at the high watermark in every partition — or, after `timeoutMs`, whatever is stable then (the
 * caller's assertions report the difference). "The committed output" of a finished job is what is
 * readable once its transactions are complete, not what happens to be stable at one instant.
 */
export async function readTopicSettled(
  brokers: readonly string[],
  topic: string,
  timeoutMs = 15_000,
): Promise<PartitionContents[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const partitions = await readTopic(brokers, topic);
    if (partitions.every((p) => p.lastStableOffset >= p.highWatermark) || Date.now() >= deadline) {
      return partitions;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Test-only: all values of a topic (read_committed, once settled), partition by partition. */
export async function committedValues(brokers: readonly string[], topic: string): Promise<string[]> {
  return (await readTopicSettled(brokers, topic)).flatMap((p) => p.values);
}
