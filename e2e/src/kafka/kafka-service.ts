import { TributaryError } from '@tributary/core';
import { type Admin, Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import { E2eErrorCodes } from '../harness/e2e-errors.js';
import type { KafkaConnection, KafkaSaslMechanism, ServiceState } from '../harness/service-types.js';
import { uniqueName } from '../harness/unique-names.js';
import { waitUntil } from '../harness/wait-until.js';
import { type HandleContext, ServiceHandleBase } from '../services/service-handle-base.js';
import { unsecuredKafkaToken } from './kafka-unsecured-token.js';

/** Options of {@link KafkaService.createTopic}. */
export interface CreateKafkaTopicOptions {
  /** Name prefix; a unique suffix is appended. Default `topic`. */
  readonly prefix?: string;
  /** Default 1. */
  readonly partitions?: number;
  /** Topic configs, e.g. `{ 'cleanup.policy': 'compact' }`. */
  readonly config?: Readonly<Record<string, string>>;
}

/** Options of {@link KafkaService.kafkaConfig}. */
export interface KafkaClientConfigOptions {
  readonly clientId?: string;
  /** Connect to the SASL listener with this mechanism and the harness user. */
  readonly sasl?: KafkaSaslMechanism;
  /** Connect to the SSL listener, trusting the broker's self-signed certificate (not with `sasl`). */
  readonly tls?: boolean;
}

/** The services whose handle is a {@link KafkaService}. */
export type KafkaServiceName = 'kafka' | 'kafka-cluster';

/**
 * A started Kafka: brokers, the SCRAM user, and unique topics that are deleted on cleanup.
 * Topics must be created explicitly (auto creation is off); they get the service's replication
 * factor (1 on the single broker, 3 on `kafka-cluster`).
 */
export class KafkaService<N extends KafkaServiceName = 'kafka'> extends ServiceHandleBase<N> {
  private admin: Promise<Admin> | undefined;

  constructor(state: ServiceState<N>, context: HandleContext) {
    super(state, context);
  }

  private get kafka(): KafkaConnection {
    return this.connection as KafkaConnection;
  }

  /** PLAINTEXT bootstrap servers. */
  get brokers(): string[] {
    return [...this.kafka.brokers];
  }

  /**
   * A kafkajs client config for this broker: PLAINTEXT by default, or the SASL listener with the
   * harness's user when `sasl` is given (OAUTHBEARER: an unsecured token naming that user). Quiet logging; pass it to `new Kafka(...)`.
   */
  kafkaConfig(options: KafkaClientConfigOptions = {}): KafkaConfig {
    const base = {
      clientId: options.clientId ?? 'tributary-e2e',
      logLevel: logLevel.NOTHING,
    };
    if (options.tls === true) {
      const tls = this.tls;
      return { ...base, brokers: [...tls.brokers], ssl: { ca: [tls.caPem] } };
    }
    if (options.sasl === undefined) return { ...base, brokers: this.brokers };
    const { username, password } = this.kafka.sasl;
    const brokers = [...this.kafka.saslBrokers];
    // Spelled out per mechanism: kafkajs types SASL options as a union keyed by `mechanism`.
    switch (options.sasl) {
      case 'plain':
        return { ...base, brokers, sasl: { mechanism: 'plain', username, password } };
      case 'scram-sha-256':
        return { ...base, brokers, sasl: { mechanism: 'scram-sha-256', username, password } };
      case 'scram-sha-512':
        return { ...base, brokers, sasl: { mechanism: 'scram-sha-512', username, password } };
      case 'oauthbearer':
        return {
          ...base,
          brokers,
          sasl: {
            mechanism: 'oauthbearer',
            oauthBearerProvider: async () => ({ value: unsecuredKafkaToken({ principal: username }) }),
          },
        };
    }
  }

  /** The SSL listener and the certificate to trust; throws on a backend without one. */
  get tls(): { readonly brokers: readonly string[]; readonly caPem: string } {
    const tls = this.kafka.tls;
    if (tls === undefined) {
      throw new TributaryError(
        E2eErrorCodes.BACKEND_UNAVAILABLE,
        `${this.name} on the ${this.backend} backend has no SSL listener (the local single broker has one)`,
        { context: { service: this.name, backend: this.backend } },
      );
    }
    return tls;
  }

  /** Creates a uniquely named topic (leaders elected when it resolves) and returns its name. */
  async createTopic(options: CreateKafkaTopicOptions = {}): Promise<string> {
    this.assertOpen();
    const topic = uniqueName(options.prefix ?? 'topic');
    const admin = await this.adminClient();
    const partitions = options.partitions ?? 1;
    try {
      // kafkajs's own `waitForLeaders` gives up on UNKNOWN_TOPIC_OR_PARTITION, which a broker
      // answers while the new topic has not reached its metadata cache yet: wait here instead.
      await admin.createTopics({
        waitForLeaders: false,
        topics: [
          {
            topic,
            numPartitions: partitions,
            replicationFactor: this.kafka.replicationFactor ?? 1,
            configEntries: Object.entries(options.config ?? {}).map(([name, value]) => ({ name, value })),
          },
        ],
      });
    } catch (error) {
      throw this.requestFailed('create topic', error, { topic });
    }
    this.track(`topic ${topic}`, () => this.dropTopic(topic));
    await waitUntil(() => this.assertLeaders(admin, topic, partitions), {
      what: `leaders of the ${partitions} partition(s) of topic ${topic}`,
      timeoutMs: 30_000,
    });
    return topic;
  }

  /** Resolves once every partition of `topic` has a leader; throws (not yet) otherwise. */
  private async assertLeaders(admin: Admin, topic: string, partitions: number): Promise<void> {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    const led = topics[0]?.partitions.filter((partition) => partition.leader >= 0).length ?? 0;
    if (led < partitions) throw new Error(`${led} of ${partitions} partitions have a leader`);
  }

  /** Deletes a topic now (instead of at cleanup). */
  async deleteTopic(topic: string): Promise<void> {
    this.untrack(`topic ${topic}`);
    await this.dropTopic(topic);
  }

  /** The handle's admin client, opened on first use and closed with the handle. */
  async adminClient(): Promise<Admin> {
    this.assertOpen();
    this.admin ??= (async () => {
      const admin = new Kafka({ ...this.kafkaConfig({ clientId: 'tributary-e2e-admin' }) }).admin();
      await admin.connect();
      return admin;
    })();
    return this.admin;
  }

  private async dropTopic(topic: string): Promise<void> {
    const admin = await this.adminClient();
    try {
      await admin.deleteTopics({ topics: [topic], timeout: 30_000 });
    } catch (error) {
      // Already gone is fine: cleanup is idempotent.
      if (!/UNKNOWN_TOPIC|does not host this topic/i.test(String((error as Error).message))) {
        throw this.requestFailed('delete topic', error, { topic });
      }
    }
  }

  protected override async closeClients(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    if (admin !== undefined) await (await admin.catch(() => undefined))?.disconnect();
  }
}
