import { type Admin, Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import type { KafkaScramMechanism, ServiceState } from '../harness/service-types.js';
import { uniqueName } from '../harness/unique-names.js';
import { type HandleContext, ServiceHandleBase } from '../services/service-handle-base.js';

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
  /** Connect to the SASL listener with this SCRAM mechanism and the harness user. */
  readonly sasl?: KafkaScramMechanism;
}

/**
 * A started Kafka: brokers, the SCRAM user, and unique topics that are deleted on cleanup.
 * Topics must be created explicitly (auto creation is off).
 */
export class KafkaService extends ServiceHandleBase<'kafka'> {
  private admin: Promise<Admin> | undefined;

  constructor(state: ServiceState<'kafka'>, context: HandleContext) {
    super(state, context);
  }

  /** PLAINTEXT bootstrap servers. */
  get brokers(): string[] {
    return [...this.connection.brokers];
  }

  /**
   * A kafkajs client config for this broker: PLAINTEXT by default, or the SASL listener with the
   * harness's SCRAM user when `sasl` is given. Quiet logging; pass it to `new Kafka(...)`.
   */
  kafkaConfig(options: KafkaClientConfigOptions = {}): KafkaConfig {
    const base: KafkaConfig = {
      clientId: options.clientId ?? 'tributary-e2e',
      brokers: options.sasl === undefined ? this.brokers : [...this.connection.saslBrokers],
      logLevel: logLevel.NOTHING,
    };
    if (options.sasl === undefined) return base;
    const { username, password } = this.connection.sasl;
    // Spelled out per mechanism: kafkajs types SASL options as a union keyed by `mechanism`.
    return {
      ...base,
      sasl:
        options.sasl === 'scram-sha-256'
          ? { mechanism: 'scram-sha-256', username, password }
          : { mechanism: 'scram-sha-512', username, password },
    };
  }

  /** Creates a uniquely named topic (leaders elected when it resolves) and returns its name. */
  async createTopic(options: CreateKafkaTopicOptions = {}): Promise<string> {
    this.assertOpen();
    const topic = uniqueName(options.prefix ?? 'topic');
    const admin = await this.adminClient();
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic,
            numPartitions: options.partitions ?? 1,
            replicationFactor: 1,
            configEntries: Object.entries(options.config ?? {}).map(([name, value]) => ({ name, value })),
          },
        ],
      });
    } catch (error) {
      throw this.requestFailed('create topic', error, { topic });
    }
    this.track(`topic ${topic}`, () => this.dropTopic(topic));
    return topic;
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
