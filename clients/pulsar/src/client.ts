import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { backoffDelayMs, sleep } from '@tributary/core';
import { type ConnectionOptions, type PulsarAuthentication, PulsarConnection } from './connection.js';
import { Consumer, type ConsumerOptions } from './consumer.js';
import { isRetriable, PulsarClosedError, PulsarServerError } from './errors.js';
import { Producer, type ProducerOptions } from './producer.js';
import {
  BaseCommand_Type,
  CommandLookupTopicResponse_LookupType,
  CommandPartitionedTopicMetadataResponse_LookupType,
  ServerError,
} from './proto/PulsarApi_pb.js';
import { fullTopicName, partitionTopicName } from './topic-name.js';
import { TransactionCoordinatorClient } from './transaction.js';

export interface PulsarClientOptions {
  /** `pulsar://host:6650` or `pulsar+ssl://host:6651` (a broker or a proxy). */
  readonly serviceUrl: string;
  readonly authentication?: PulsarAuthentication;
  /** TLS options for `pulsar+ssl://` (CA, client certificate, `rejectUnauthorized`). */
  readonly tls?: TlsOptions;
  /** Per request (lookup, subscribe, send receipt wait excluded). Default 30 s. */
  readonly requestTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  /** PING interval; the connection closes after two silent intervals. Default 30 s. */
  readonly keepAliveIntervalMs?: number;
  /** Retry budget of lookups and (re)connects of producers/consumers. Default 30 s. */
  readonly operationTimeoutMs?: number;
  /** Initial and maximum reconnect backoff. Defaults 100 ms, 30 s. */
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Maximum lookup redirects followed. Default 20. */
  readonly maxLookupRedirects?: number;
}

/** Where a topic is served: the broker (logical) and the address we connect to (physical). */
export interface LookupResult {
  readonly logicalAddress: string;
  readonly physicalAddress: string;
}

/**
 * The entry point: a connection pool per broker, topic lookup (following redirects, with
 * `proxy_through_service_url`), partitioned-topic metadata, and factories for producers,
 * consumers and transactions.
 */
export class PulsarClient {
  private readonly pool = new Map<string, Promise<PulsarConnection>>();
  private readonly closeables = new Set<{ close(): Promise<void> }>();
  private coordinator: TransactionCoordinatorClient | undefined;
  private closed = false;
  readonly options: Required<Omit<PulsarClientOptions, 'authentication' | 'tls'>> &
    Pick<PulsarClientOptions, 'authentication' | 'tls'>;
  private nextId = 1n;

  constructor(options: PulsarClientOptions) {
    this.options = {
      requestTimeoutMs: 30_000,
      connectTimeoutMs: 10_000,
      keepAliveIntervalMs: 30_000,
      operationTimeoutMs: 30_000,
      initialBackoffMs: 100,
      maxBackoffMs: 30_000,
      maxLookupRedirects: 20,
      ...options,
    };
    if (!/^pulsar(\+ssl)?:\/\//.test(options.serviceUrl)) {
      throw new Error(`serviceUrl "${options.serviceUrl}" must start with pulsar:// or pulsar+ssl://`);
    }
  }

  private get useTls(): boolean {
    return this.options.serviceUrl.startsWith('pulsar+ssl://');
  }

  /** A process-unique id for producers and consumers. */
  newId(): bigint {
    return this.nextId++;
  }

  /** A pooled, handshaken connection to `physical` (for broker `logical` when via a proxy). */
  getConnection(physical: string, logical?: string): Promise<PulsarConnection> {
    if (this.closed) return Promise.reject(new PulsarClosedError('the client is closed'));
    const key = `${logical ?? physical}|${physical}`;
    const existing = this.pool.get(key);
    if (existing !== undefined) {
      return existing.then(
        (connection) => (connection.closed ? this.openConnection(key, physical, logical) : connection),
        () => this.openConnection(key, physical, logical),
      );
    }
    return this.openConnection(key, physical, logical);
  }

  private openConnection(
    key: string,
    physical: string,
    logical: string | undefined,
  ): Promise<PulsarConnection> {
    const options: ConnectionOptions = {
      physicalUrl: physical,
      ...(logical === undefined || logical === physical ? {} : { logicalAddress: logical }),
      ...(this.options.authentication === undefined ? {} : { authentication: this.options.authentication }),
      ...(this.options.tls === undefined ? {} : { tls: this.options.tls }),
      connectTimeoutMs: this.options.connectTimeoutMs,
      requestTimeoutMs: this.options.requestTimeoutMs,
      keepAliveIntervalMs: this.options.keepAliveIntervalMs,
    };
    const opening = PulsarConnection.open(options);
    this.pool.set(key, opening);
    opening.then(
      (connection) => connection.onClose(() => this.pool.get(key) === opening && this.pool.delete(key)),
      () => this.pool.get(key) === opening && this.pool.delete(key),
    );
    return opening;
  }

  /** Finds the broker that serves `topic` (a single partition or non-partitioned topic). */
  async lookup(topic: string): Promise<LookupResult> {
    const name = fullTopicName(topic);
    const serviceUrl = this.options.serviceUrl;
    let connection = await this.getConnection(serviceUrl);
    let authoritative = false;
    for (let redirect = 0; redirect <= this.options.maxLookupRedirects; redirect++) {
      const answer = await connection.request(`lookup ${name}`, (requestId) => ({
        type: BaseCommand_Type.LOOKUP,
        lookupTopic: { topic: name, requestId, authoritative },
      }));
      const response = answer.lookupTopicResponse;
      if (response === undefined) throw new Error(`lookup ${name}: unexpected answer ${answer.type}`);
      if (response.response === CommandLookupTopicResponse_LookupType.Failed) {
        throw new PulsarServerError(response.error, response.message, `lookup ${name}`);
      }
      const brokerUrl = this.useTls ? response.brokerServiceUrlTls : response.brokerServiceUrl;
      if (brokerUrl === '')
        throw new Error(`lookup ${name}: the broker sent no ${this.useTls ? 'TLS ' : ''}URL`);
      const physical = response.proxyThroughServiceUrl ? serviceUrl : brokerUrl;
      if (response.response === CommandLookupTopicResponse_LookupType.Connect) {
        return { logicalAddress: brokerUrl, physicalAddress: physical };
      }
      authoritative = response.authoritative;
      connection = await this.getConnection(physical, brokerUrl);
    }
    throw new Error(`lookup ${name}: more than ${this.options.maxLookupRedirects} redirects`);
  }

  /** A connection to the broker serving `topic`. */
  async connectionFor(topic: string): Promise<PulsarConnection> {
    const { logicalAddress, physicalAddress } = await this.lookup(topic);
    return this.getConnection(physicalAddress, logicalAddress);
  }

  /** Number of partitions of `topic`; 0 for a non-partitioned topic. */
  async partitionCount(topic: string): Promise<number> {
    const name = fullTopicName(topic);
    const connection = await this.getConnection(this.options.serviceUrl);
    const answer = await connection.request(`partitioned metadata of ${name}`, (requestId) => ({
      type: BaseCommand_Type.PARTITIONED_METADATA,
      partitionMetadata: { topic: name, requestId },
    }));
    const response = answer.partitionMetadataResponse;
    if (
      response === undefined ||
      response.response === CommandPartitionedTopicMetadataResponse_LookupType.Failed
    ) {
      throw new PulsarServerError(
        response?.error ?? ServerError.UnknownError,
        response?.message ?? '',
        `partitioned metadata of ${name}`,
      );
    }
    return response.partitions;
  }

  /** The topic itself, or its partitions' names. */
  async partitionsOf(topic: string): Promise<string[]> {
    const count = await this.partitionCount(topic);
    const name = fullTopicName(topic);
    return count === 0 ? [name] : Array.from({ length: count }, (_, i) => partitionTopicName(name, i));
  }

  /** Topics of a namespace (`tenant/namespace`), persistent ones by default. */
  async topicsOfNamespace(namespace: string): Promise<string[]> {
    const connection = await this.getConnection(this.options.serviceUrl);
    const answer = await connection.request(`topics of ${namespace}`, (requestId) => ({
      type: BaseCommand_Type.GET_TOPICS_OF_NAMESPACE,
      getTopicsOfNamespace: { requestId, namespace },
    }));
    return answer.getTopicsOfNamespaceResponse?.topics ?? [];
  }

  async createProducer(options: ProducerOptions): Promise<Producer> {
    const producer = await Producer.create(this, options);
    this.track(producer);
    return producer;
  }

  async subscribe(options: ConsumerOptions): Promise<Consumer> {
    const consumer = await Consumer.create(this, options);
    this.track(consumer);
    return consumer;
  }

  /** The transaction coordinator client (connects on first use). */
  async transactions(): Promise<TransactionCoordinatorClient> {
    if (this.coordinator === undefined) {
      this.coordinator = new TransactionCoordinatorClient(this);
      this.track(this.coordinator);
    }
    await this.coordinator.connect();
    return this.coordinator;
  }

  private track(closeable: { close(): Promise<void> }): void {
    this.closeables.add(closeable);
  }

  forget(closeable: { close(): Promise<void> }): void {
    this.closeables.delete(closeable);
  }

  /**
   * Runs `operation` until it succeeds, a non-retriable error occurs, or the operation timeout
   * passes, backing off between attempts.
   */
  async withRetries<T>(operation: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.options.operationTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await operation();
      } catch (error) {
        if (this.closed || !isRetriable(error) || Date.now() >= deadline) throw error;
        const delay = backoffDelayMs(attempt, {
          initialDelayMs: this.options.initialBackoffMs,
          maxDelayMs: this.options.maxBackoffMs,
        });
        await sleep(Math.min(delay, Math.max(0, deadline - Date.now())));
      }
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.allSettled([...this.closeables].map((c) => c.close()));
    this.closed = true;
    const connections = await Promise.allSettled(this.pool.values());
    for (const c of connections) if (c.status === 'fulfilled') c.value.close();
    this.pool.clear();
  }
}
