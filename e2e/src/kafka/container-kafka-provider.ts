import { GenericContainer, Wait } from 'testcontainers';
import { containerHost, containerProvider, startServiceContainer } from '../containers/container-support.js';
import { freePorts } from '../harness/free-port.js';
import type { KafkaConnection } from '../harness/service-types.js';
import { probeKafka } from './kafka-probe.js';
import {
  KAFKA_SCRAM_USER,
  KAFKA_VERSION,
  kafkaFormatArgs,
  kafkaServerProperties,
  randomKafkaClusterId,
} from './kafka-server-config.js';

const CONFIG = '/tmp/tributary/server.properties';

/**
 * Kafka in Docker: the official `apache/kafka` image with the same `server.properties` as the
 * local backend. Not the `@testcontainers/kafka` module: it offers SASL only over SSL, while the
 * harness promises a SASL_PLAINTEXT SCRAM listener. Listener ports are published 1:1 (container
 * port = host port) so the advertised addresses work from the host without a rewrite step.
 */
export const containerKafkaProvider = containerProvider<'kafka'>({
  name: 'kafka',
  version: KAFKA_VERSION,
  readyTimeoutMs: 120_000,
  async launch() {
    const host = await containerHost();
    const [plaintext = 0, sasl = 0, controller = 0] = await freePorts(3);
    const properties = kafkaServerProperties({
      ports: { plaintext, sasl, controller },
      bindHost: '0.0.0.0',
      advertisedHost: host,
      logDir: '/tmp/kraft-logs',
    });
    const format = kafkaFormatArgs(CONFIG, randomKafkaClusterId())
      .map((arg) => `'${arg.replaceAll("'", "'\\''")}'`)
      .join(' ');
    const script = `set -e\n/opt/kafka/bin/kafka-storage.sh ${format}\nexec /opt/kafka/bin/kafka-server-start.sh ${CONFIG}\n`;
    const container = await startServiceContainer(
      'kafka',
      new GenericContainer(`apache/kafka:${KAFKA_VERSION}`)
        .withExposedPorts({ container: plaintext, host: plaintext }, { container: sasl, host: sasl })
        .withCopyContentToContainer([
          { content: properties, target: CONFIG },
          { content: script, target: '/tmp/tributary/start.sh', mode: 0o755 },
        ])
        .withEnvironment({ KAFKA_HEAP_OPTS: '-Xms256m -Xmx512m' })
        .withEntrypoint(['/bin/bash', '/tmp/tributary/start.sh'])
        .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
        .withStartupTimeout(120_000),
    );
    const connection: KafkaConnection = {
      brokers: [`${host}:${plaintext}`],
      saslBrokers: [`${host}:${sasl}`],
      sasl: { ...KAFKA_SCRAM_USER, mechanisms: ['plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer'] },
      autoCreateTopics: false,
    };
    return { container, connection };
  },
  probe: probeKafka,
});
