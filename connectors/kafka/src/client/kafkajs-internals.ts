import { createRequire } from 'node:module';
import { TributaryError } from '@tributary/core';
import type { Kafka } from 'kafkajs';
import { KafkaErrorCodes } from '../kafka-error-codes.js';
import { installBatchAwareDecoder } from './batch-aware-decode-messages.js';

/**
 * The one place that reaches into kafkajs internals.
 *
 * Why: kafkajs's public producer hides its transaction manager (producer id and epoch) in a
 * closure, cannot leave a transaction open without aborting it in the same producer, and cannot
 * resume one in another process; its consumer only works as a consumer-group member. Tributary
 * needs all three (Flink's `resumeTransaction`, reader-owned partitions). kafkajs is built from
 * small modules, so we compose the same pieces its producer and consumer are made of — the
 * cluster (connections, TLS, SASL, metadata), the EOS manager (InitProducerId, AddPartitionsToTxn,
 * sequences), the message producer (partitioning, batching, retries) and the broker's fetch
 * (request encoding, record batch decoding) — and keep every protocol encoder kafkajs's own.
 * Nothing here re-implements the wire protocol. (kafkajs's aborted-transaction filter is not
 * used: see `decodeFetchedPartition`. The one request kafkajs lacks, DescribeTransactions, lives
 * in `describe-transactions.ts`, written with kafkajs's Encoder/Decoder.)
 *
 * The version is pinned exactly (`kafkajs@2.2.4`, the last release; the project is unmaintained,
 * so these modules no longer move). A different installed version fails fast with
 * `TRIB_KAFKA_CLIENT_INCOMPATIBLE` instead of misbehaving.
 *
 * @internal
 */
export const SUPPORTED_KAFKAJS_VERSION = '2.2.4';

const require = createRequire(import.meta.url);

/** Topic-partition metadata as kafkajs keeps it. */
export interface KafkaJsPartitionMetadata {
  readonly partitionId: number;
  readonly leader: number;
  readonly partitionErrorCode: number;
}

/** A message as kafkajs's producer takes it. */
export interface KafkaJsMessage {
  key?: Buffer | null;
  value: Buffer | null;
  partition?: number;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
  timestamp?: string;
}

/** The subset of kafkajs's `Broker` this connector calls. */
export interface KafkaJsBroker {
  readonly nodeId: number;
  initProducerId(request: {
    transactionalId?: string;
    transactionTimeout: number;
  }): Promise<{ producerId: string; producerEpoch: number }>;
  endTxn(request: {
    transactionalId: string;
    producerId: string;
    producerEpoch: number;
    transactionResult: boolean;
  }): Promise<unknown>;
  fetch(request: {
    isolationLevel: number;
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
  }): Promise<{ responses: KafkaJsFetchTopicResponse[] }>;
  offsetCommit(request: {
    groupId: string;
    groupGenerationId: number;
    memberId: string;
    topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
  }): Promise<unknown>;
  offsetFetch(request: {
    groupId: string;
    topics: { topic: string; partitions: { partition: number }[] }[];
  }): Promise<{
    responses: { topic: string; partitions: { partition: number; offset: string; errorCode?: number }[] }[];
  }>;
}

/** One topic of a fetch response. */
export interface KafkaJsFetchTopicResponse {
  readonly topicName: string;
  readonly partitions: KafkaJsFetchPartitionResponse[];
}

/** One partition of a fetch response, as kafkajs decodes it. */
export interface KafkaJsFetchPartitionResponse {
  readonly partition: number;
  readonly errorCode: number;
  readonly highWatermark: string;
  readonly lastStableOffset?: string;
  readonly abortedTransactions?: unknown[];
  readonly messages: KafkaJsFetchedMessage[];
}

/** A decoded message of a fetch response. */
export interface KafkaJsFetchedMessage {
  readonly offset: string;
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: Record<string, Buffer | Buffer[] | undefined>;
  readonly isControlRecord?: boolean;
}

/** The subset of kafkajs's `Cluster` this connector calls. */
export interface KafkaJsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  isConnected(): boolean;
  refreshMetadata(): Promise<void>;
  refreshMetadataIfNecessary(): Promise<void>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  metadata(request?: { topics?: string[] }): Promise<{
    topicMetadata: { topic: string; partitionMetadata: KafkaJsPartitionMetadata[] }[];
  }>;
  findTopicPartitionMetadata(topic: string): KafkaJsPartitionMetadata[];
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(node: { nodeId: string | number }): Promise<KafkaJsBroker>;
  /** Node ids of the brokers in the last metadata. */
  getNodeIds(): number[];
  findGroupCoordinator(request: { groupId: string; coordinatorType?: number }): Promise<KafkaJsBroker>;
  fetchTopicsOffset(
    topics: {
      topic: string;
      partitions: { partition: number }[];
      fromBeginning?: boolean;
      fromTimestamp?: number;
    }[],
  ): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
}

/** kafkajs's transaction / idempotence manager (one producer id, one transactional id). */
export interface KafkaJsEosManager {
  initProducerId(): Promise<void>;
  beginTransaction(): void;
  getProducerId(): string;
  getProducerEpoch(): number;
  isInTransaction(): boolean;
  abort(): Promise<void>;
}

/** kafkajs's message producer bound to one EOS manager. */
export interface KafkaJsMessageProducer {
  sendBatch(request: {
    acks: number;
    timeout: number;
    compression: number;
    topicMessages: { topic: string; messages: KafkaJsMessage[] }[];
  }): Promise<{ topicName: string; partition: number; errorCode: number; baseOffset?: string }[]>;
}

/** A kafkajs partitioner instance. */
export type KafkaJsPartitioner = (args: {
  topic: string;
  partitionMetadata: KafkaJsPartitionMetadata[];
  message: KafkaJsMessage;
}) => number;

interface KafkaJsLogger {
  namespace(name: string): unknown;
}

interface Internals {
  createEosManager(args: {
    logger: unknown;
    cluster: KafkaJsCluster;
    transactionTimeout: number;
    transactional: boolean;
    transactionalId?: string;
  }): KafkaJsEosManager;
  createMessageProducer(args: {
    logger: unknown;
    cluster: KafkaJsCluster;
    partitioner: KafkaJsPartitioner;
    eosManager: KafkaJsEosManager;
    idempotent: boolean;
    retrier: unknown;
    getConnectionStatus: () => string;
  }): KafkaJsMessageProducer;
  createRetry(options: Record<string, unknown>): unknown;
  DefaultPartitioner: () => KafkaJsPartitioner;
}

let loaded: Internals | undefined;

function internals(): Internals {
  if (loaded) return loaded;
  const version = (require('kafkajs/package.json') as { version: string }).version;
  if (version !== SUPPORTED_KAFKAJS_VERSION) {
    throw new TributaryError(
      KafkaErrorCodes.CLIENT_INCOMPATIBLE,
      `@tributary/connector-kafka needs kafkajs ${SUPPORTED_KAFKAJS_VERSION} exactly, found ${version}; install the pinned version`,
      { context: { found: version, expected: SUPPORTED_KAFKAJS_VERSION } },
    );
  }
  // Before any fetch response module loads: record batch ends (compacted topics).
  installBatchAwareDecoder();
  const modules: Internals = {
    createEosManager: require('kafkajs/src/producer/eosManager'),
    createMessageProducer: require('kafkajs/src/producer/messageProducer'),
    createRetry: require('kafkajs/src/retry'),
    DefaultPartitioner: (
      require('kafkajs/src/producer/partitioners') as { DefaultPartitioner: () => KafkaJsPartitioner }
    ).DefaultPartitioner,
  };
  loaded = modules;
  return modules;
}

/** kafkajs's coordinator type of transaction coordinators (FindCoordinator key_type 1). */
export const TRANSACTION_COORDINATOR = 1;
/** Fetch / ListOffsets isolation levels. */
export const ISOLATION_READ_UNCOMMITTED = 0;
export const ISOLATION_READ_COMMITTED = 1;

function privateMember<T>(kafka: Kafka, description: string): T {
  const symbol = Object.getOwnPropertySymbols(kafka).find((s) => s.description === description);
  if (symbol === undefined) {
    throw new TributaryError(
      KafkaErrorCodes.CLIENT_INCOMPATIBLE,
      `kafkajs internals changed: '${description}' not found on the client`,
      { context: { member: description } },
    );
  }
  return (kafka as unknown as Record<symbol, T>)[symbol] as T;
}

/**
 * A new kafkajs cluster (its own connections) configured exactly like `kafka`'s producers and
 * consumers: brokers, TLS, SASL, timeouts, retry, logger, socket factory.
 */
export function createCluster(
  kafka: Kafka,
  options: { metadataMaxAgeMs: number; isolationLevel?: number },
): KafkaJsCluster {
  internals();
  const factory = privateMember<(args: Record<string, unknown>) => KafkaJsCluster>(
    kafka,
    'private:Kafka:createCluster',
  );
  return factory.call(kafka, {
    metadataMaxAge: options.metadataMaxAgeMs,
    allowAutoTopicCreation: false,
    maxInFlightRequests: null,
    instrumentationEmitter: null,
    isolationLevel: options.isolationLevel ?? ISOLATION_READ_UNCOMMITTED,
  });
}

function producerLogger(kafka: Kafka): unknown {
  return (kafka.logger() as unknown as KafkaJsLogger).namespace('Producer');
}

/**
 * An EOS manager on `cluster`: transactional when `transactionalId` is given (one transaction at a
 * time), idempotent otherwise (call `initProducerId` first), or neither when never initialized.
 */
export function createEosManager(
  kafka: Kafka,
  cluster: KafkaJsCluster,
  options: { transactionalId?: string; transactionTimeoutMs: number },
): KafkaJsEosManager {
  return internals().createEosManager({
    logger: producerLogger(kafka),
    cluster,
    transactionTimeout: options.transactionTimeoutMs,
    transactional: options.transactionalId !== undefined,
    ...(options.transactionalId === undefined ? {} : { transactionalId: options.transactionalId }),
  });
}

/** kafkajs's message producer (partitioning, per-leader requests, retries) bound to `eosManager`. */
export function createMessageProducer(
  kafka: Kafka,
  cluster: KafkaJsCluster,
  eosManager: KafkaJsEosManager,
  options: {
    idempotent: boolean;
    retry: { retries: number; initialRetryTime: number; maxRetryTime: number };
    isConnected: () => boolean;
  },
): KafkaJsMessageProducer {
  const lib = internals();
  return lib.createMessageProducer({
    logger: producerLogger(kafka),
    cluster,
    partitioner: lib.DefaultPartitioner(),
    eosManager,
    idempotent: options.idempotent,
    retrier: lib.createRetry({ ...options.retry }),
    getConnectionStatus: () => (options.isConnected() ? 'connected' : 'disconnected'),
  });
}
