import type { SinkWriterMetricGroup } from '@tributary/core';
import { TributaryError } from '@tributary/core';
import type { Kafka } from 'kafkajs';
import { COMPRESSION_CODEC_IDS } from '../client/compression-codecs.js';
import { retryThroughFailover } from '../client/coordinator-failover.js';
import { kafkaErrorType, wrapKafkaError } from '../client/kafka-errors.js';
import {
  createEosManager,
  createMessageProducer,
  type KafkaJsCluster,
  type KafkaJsEosManager,
} from '../client/kafkajs-internals.js';
import { KafkaErrorCodes } from '../kafka-error-codes.js';
import type { KafkaCommittable } from './kafka-committable.js';
import { KafkaSendPipeline } from './kafka-send-pipeline.js';
import type { ResolvedKafkaSinkOptions } from './kafka-sink-options.js';
import type { TransactionalIdProber } from './kafka-transaction-aborter.js';
import { TransactionCoordinators, transactionalIdProber } from './kafka-transactional-id-prober.js';

const ACKS = { all: -1, leader: 1, none: 0 } as const;

/**
 * Opens producers — an idempotent or plain one, or one transaction — on one shared kafkajs
 * cluster (one set of connections per writer, however many transactions it runs).
 */
export class KafkaProducerFactory {
  constructor(
    private readonly kafka: Kafka,
    readonly cluster: KafkaJsCluster,
    private readonly options: ResolvedKafkaSinkOptions,
    private readonly metrics: SinkWriterMetricGroup,
  ) {}

  /** A non-transactional pipeline; idempotent (with a producer id) when configured. */
  async openProducer(): Promise<KafkaSendPipeline> {
    const eos = createEosManager(this.kafka, this.cluster, {
      transactionTimeoutMs: this.options.transactionTimeoutMs,
    });
    if (this.options.idempotent) await this.initProducerId(eos, this.options.clientId);
    return this.pipeline(eos, this.options.idempotent, this.options.clientId);
  }

  /**
   * Initializes `transactionalId` (fencing older producers of the id and aborting its open
   * transaction) and begins a transaction on it.
   */
  async openTransaction(transactionalId: string): Promise<KafkaTransaction> {
    const eos = createEosManager(this.kafka, this.cluster, {
      transactionalId,
      transactionTimeoutMs: this.options.transactionTimeoutMs,
    });
    await this.initProducerId(eos, transactionalId);
    eos.beginTransaction();
    return new KafkaTransaction(transactionalId, eos, this.pipeline(eos, true, transactionalId));
  }

  /** Looks at transactional ids for the lingering-transaction aborter (with a writer's remembered coordinators). */
  prober(coordinators?: TransactionCoordinators): TransactionalIdProber {
    return transactionalIdProber(
      coordinators ?? new TransactionCoordinators(this.cluster, this.options.coordinatorFailoverTimeoutMs),
      (id) => this.probe(id),
      this.options.transactionTimeoutMs,
    );
  }

  /** Initializes `transactionalId` and returns its new epoch (0: the id was never used). */
  async probe(transactionalId: string): Promise<number> {
    const eos = createEosManager(this.kafka, this.cluster, {
      transactionalId,
      transactionTimeoutMs: this.options.transactionTimeoutMs,
    });
    await this.initProducerId(eos, transactionalId);
    return eos.getProducerEpoch();
  }

  private async initProducerId(eos: KafkaJsEosManager, name: string): Promise<void> {
    try {
      // kafkajs asks FindCoordinator again on each call but gives up at the first connection
      // error: a coordinator killed before the controller fenced it failed the writer.
      await retryThroughFailover(
        this.cluster,
        `InitProducerId of ${name}`,
        () => eos.initProducerId(),
        this.options.coordinatorFailoverTimeoutMs,
      );
    } catch (error) {
      if (kafkaErrorType(error) === 'INVALID_TRANSACTION_TIMEOUT') {
        throw new TributaryError(
          KafkaErrorCodes.TXN_TIMEOUT_TOO_HIGH,
          `kafka.sink.transactionTimeoutMs (${this.options.transactionTimeoutMs} ms) is larger than the brokers' transaction.max.timeout.ms: lower transactionTimeoutMs or raise transaction.max.timeout.ms on every broker`,
          {
            cause: error,
            context: { transactionTimeoutMs: this.options.transactionTimeoutMs, producer: name },
          },
        );
      }
      throw wrapKafkaError(error, 'InitProducerId', { producer: name });
    }
  }

  private pipeline(eos: KafkaJsEosManager, idempotent: boolean, name: string): KafkaSendPipeline {
    const o = this.options;
    const producer = createMessageProducer(this.kafka, this.cluster, eos, {
      idempotent,
      // kafkajs's idempotent producer retries without bound; sends are bounded by sendTimeoutMs
      // per request and surface after these retries instead.
      retry: { retries: o.retries, initialRetryTime: o.initialRetryTimeMs, maxRetryTime: o.maxRetryTimeMs },
      isConnected: () => true,
    });
    return new KafkaSendPipeline(producer, {
      acks: ACKS[o.acks],
      sendTimeoutMs: o.sendTimeoutMs,
      compression: COMPRESSION_CODEC_IDS[o.compression],
      maxInFlightRequests: o.maxInFlightRequests,
      maxRecordsPerRequest: o.maxRecordsPerRequest,
      batchSizeBytes: o.batchSizeBytes,
      lingerMs: o.lingerMs,
      metrics: this.metrics,
      producerName: name,
    });
  }
}

/** One open Kafka transaction of a writer. */
export class KafkaTransaction {
  /** Wall time of the first send: the broker's transaction timer starts no earlier. */
  firstSendAt: number | undefined;

  constructor(
    readonly transactionalId: string,
    private readonly eos: KafkaJsEosManager,
    readonly pipeline: KafkaSendPipeline,
  ) {}

  /** Whether records were sent in it (an empty transaction needs no commit). */
  get hasData(): boolean {
    return this.pipeline.hasSent;
  }

  /** What the committer needs to commit it from anywhere. */
  committable(): KafkaCommittable {
    return {
      transactionalId: this.transactionalId,
      producerId: this.eos.getProducerId(),
      producerEpoch: this.eos.getProducerEpoch(),
    };
  }

  /** Aborts it (EndTxn abort), when it has data. */
  async abort(): Promise<void> {
    if (this.eos.isInTransaction()) await this.eos.abort();
  }
}
