import { describe, expect, it } from 'vitest';
import {
  kafkaArtifacts,
  kafkaFormatArgs,
  kafkaLogConfig,
  kafkaLogConfigFlag,
  kafkaServerProperties,
  randomKafkaClusterId,
} from './kafka-server-config.js';

function parse(properties: string): Record<string, string> {
  return Object.fromEntries(
    properties
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('kafka server config', () => {
  const config = parse(
    kafkaServerProperties({
      ports: { plaintext: 9092, sasl: 9094, controller: 9093 },
      bindHost: '0.0.0.0',
      advertisedHost: 'localhost',
      logDir: '/data',
    }),
  );

  it('is a single KRaft node with both client listeners advertised', () => {
    expect(config['process.roles']).toBe('broker,controller');
    expect(config['controller.quorum.voters']).toBe('1@127.0.0.1:9093');
    expect(config.listeners).toBe(
      'PLAINTEXT://0.0.0.0:9092,SASL_PLAINTEXT://0.0.0.0:9094,CONTROLLER://0.0.0.0:9093',
    );
    expect(config['advertised.listeners']).toBe('PLAINTEXT://localhost:9092,SASL_PLAINTEXT://localhost:9094');
    expect(config['sasl.enabled.mechanisms']).toBe('SCRAM-SHA-256,SCRAM-SHA-512,PLAIN,OAUTHBEARER');
    // No validator class configured: Kafka's default unsecured OAUTHBEARER validator.
    expect(config['listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config']).toContain(
      'OAuthBearerLoginModule required',
    );
    expect(
      config['listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class'],
    ).toBeUndefined();
    expect(config['listener.name.sasl_plaintext.plain.sasl.jaas.config']).toContain('user_tributary=');
    expect(config['ssl.keystore.location']).toBeUndefined();
  });

  it('adds an SSL listener with the given keystore when asked', () => {
    const withTls = parse(
      kafkaServerProperties({
        ports: { plaintext: 9092, sasl: 9094, controller: 9093, ssl: 9095 },
        bindHost: '127.0.0.1',
        advertisedHost: '127.0.0.1',
        logDir: '/data',
        tls: { keystorePath: '/work/broker.p12', keystorePassword: 'pw' },
      }),
    );
    expect(withTls.listeners).toBe(
      'PLAINTEXT://127.0.0.1:9092,SASL_PLAINTEXT://127.0.0.1:9094,SSL://127.0.0.1:9095,CONTROLLER://127.0.0.1:9093',
    );
    expect(withTls['advertised.listeners']).toContain('SSL://127.0.0.1:9095');
    expect(withTls['ssl.keystore.location']).toBe('/work/broker.p12');
    expect(withTls['ssl.keystore.type']).toBe('PKCS12');
    expect(withTls['ssl.client.auth']).toBe('none');
  });

  it('makes transactions usable on one broker and turns topic auto creation off', () => {
    expect(config['transaction.state.log.replication.factor']).toBe('1');
    expect(config['transaction.state.log.min.isr']).toBe('1');
    expect(config['offsets.topic.replication.factor']).toBe('1');
    expect(config['transaction.max.timeout.ms']).toBeUndefined();
    expect(config['auto.create.topics.enable']).toBe('false');
  });

  it('formats storage with SCRAM users for both mechanisms', () => {
    const args = kafkaFormatArgs('/cfg', 'abc');
    expect(args.slice(0, 5)).toEqual(['format', '--cluster-id', 'abc', '--config', '/cfg']);
    expect(args.filter((arg) => arg.startsWith('SCRAM-SHA-'))).toEqual([
      'SCRAM-SHA-256=[name=tributary,password=tributary-secret]',
      'SCRAM-SHA-512=[name=tributary,password=tributary-secret]',
    ]);
  });

  it('generates cluster ids in Kafka Uuid form (22 url-safe base64 characters)', () => {
    expect(randomKafkaClusterId()).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(randomKafkaClusterId()).not.toBe(randomKafkaClusterId());
  });

  it('makes a node one of a replicated cluster: its id, the shared quorum, RF 3 with min ISR 2, fast fencing', () => {
    const node = parse(
      kafkaServerProperties({
        ports: { plaintext: 9192, sasl: 9194, controller: 9193 },
        bindHost: '127.0.0.1',
        advertisedHost: '127.0.0.1',
        logDir: '/data/2',
        cluster: {
          nodeId: 2,
          quorumVoters: '1@127.0.0.1:9093,2@127.0.0.1:9193,3@127.0.0.1:9293',
          replicationFactor: 3,
          minInsyncReplicas: 2,
        },
      }),
    );
    expect(node['node.id']).toBe('2');
    expect(node['controller.quorum.voters']).toBe('1@127.0.0.1:9093,2@127.0.0.1:9193,3@127.0.0.1:9293');
    expect(node['default.replication.factor']).toBe('3');
    expect(node['transaction.state.log.replication.factor']).toBe('3');
    expect(node['transaction.state.log.min.isr']).toBe('2');
    expect(node['min.insync.replicas']).toBe('2');
    expect(node['broker.session.timeout.ms']).toBe('4000');
    expect(config['broker.session.timeout.ms']).toBeUndefined();
  });

  it('picks the logging of the Kafka version: reload4j for 3.x, log4j 2 for 4.x', () => {
    expect(kafkaLogConfigFlag('3.9.2', '/l')).toBe('-Dlog4j.configuration=file:/l');
    expect(kafkaLogConfigFlag('4.1.2', '/l')).toBe('-Dlog4j2.configurationFile=/l');
    expect(kafkaLogConfig('3.9.2')).toContain('log4j.rootLogger=INFO, stdout');
    expect(kafkaLogConfig('4.1.2')).toContain('rootLogger.level = INFO');
    const artifacts = (version: string) => kafkaArtifacts(version).dependencies.map((d) => d.artifactId);
    expect(artifacts('3.9.2')).toEqual(['kafka_2.13', 'slf4j-reload4j']);
    expect(artifacts('4.1.2')).toContain('log4j-core');
  });
});
