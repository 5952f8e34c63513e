import { randomBytes } from 'node:crypto';
import type { MavenArtifactSet } from '../harness/maven-artifacts.js';

/** The pinned Kafka version of both backends (Maven `org.apache.kafka:kafka_2.13`, image `apache/kafka`). */
export const KAFKA_VERSION = '3.9.2';

/**
 * The Kafka version of the `kafka-cluster` service: a 4.x release, so the suites that run on the
 * cluster also cover Kafka 4 (KIP-896 removed old protocol versions). The single `kafka` service
 * stays on 3.9. `TRIBUTARY_KAFKA_CLUSTER_VERSION` picks another release from Maven Central.
 */
export const KAFKA_CLUSTER_VERSION = '4.1.2';

/** The SCRAM user created at format time; the credentials are test-only and not secret. */
export const KAFKA_SCRAM_USER = { username: 'tributary', password: 'tributary-secret' } as const;

/** Ports of the three listeners of the single KRaft node. */
export interface KafkaPorts {
  /** PLAINTEXT, for clients. */
  readonly plaintext: number;
  /** SASL_PLAINTEXT with SCRAM-SHA-256/512, for authentication tests. */
  readonly sasl: number;
  /** KRaft controller quorum; not for clients. */
  readonly controller: number;
  /** SSL (server-authenticated TLS), when the start provides a keystore. */
  readonly ssl?: number;
}

/** The broker's SSL listener keystore (see `kafka-tls.ts`). */
export interface KafkaServerTls {
  readonly keystorePath: string;
  readonly keystorePassword: string;
}

/** Inputs of {@link kafkaServerProperties}. */
export interface KafkaServerConfigInput {
  readonly ports: KafkaPorts;
  /** Interface the listeners bind to (`127.0.0.1` locally, `0.0.0.0` in a container). */
  readonly bindHost: string;
  /** Host clients use; advertised in metadata. */
  readonly advertisedHost: string;
  readonly logDir: string;
  /** With `ports.ssl`: the keystore of the SSL listener. */
  readonly tls?: KafkaServerTls;
  /** This node's place in a multi-node cluster; absent: a single node (id 1, its own quorum). */
  readonly cluster?: KafkaClusterRole;
}

/** What makes a node one of several (see `local-kafka-cluster-provider.ts`). */
export interface KafkaClusterRole {
  readonly nodeId: number;
  /** `controller.quorum.voters`: `1@host:port,2@host:port,…` (every node is a voter). */
  readonly quorumVoters: string;
  /** Replication factor of internal and default topics. */
  readonly replicationFactor: number;
  /** `min.insync.replicas` (also of `__transaction_state`). */
  readonly minInsyncReplicas: number;
}

/**
 * `server.properties` of a single-node KRaft broker+controller tuned for tests:
 * - transactions usable on one node: the internal topics get replication factor 1 and
 *   `transaction.state.log.min.isr=1`; `transaction.max.timeout.ms` keeps its default (15 min);
 * - `auto.create.topics.enable=false`, so a test that forgets to create its topic fails loudly
 *   instead of writing to an auto-created single-partition topic;
 * - few partitions for `__consumer_offsets` / `__transaction_state` (5 instead of 50) and no
 *   initial rebalance delay, so the first consumer group and first transaction are quick;
 * - a SASL_PLAINTEXT listener with SCRAM-SHA-256 and SCRAM-SHA-512 (users are added when the
 *   storage is formatted, see {@link kafkaFormatArgs}), PLAIN (the same user, from JAAS) and
 *   OAUTHBEARER with Kafka's default *unsecured* validator (unsigned `alg: none` tokens, see
 *   `unsecuredKafkaToken`; test-only, a production listener validates signed tokens);
 * - with `ports.ssl` and `tls`, an SSL listener (server certificate only, no client auth).
 *
 * Both backends use this file, so a test sees the same broker either way.
 */
export function kafkaServerProperties(input: KafkaServerConfigInput): string {
  const { ports, bindHost, advertisedHost } = input;
  const scramJaas = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
  const { username, password } = KAFKA_SCRAM_USER;
  const plainJaas = `org.apache.kafka.common.security.plain.PlainLoginModule required user_${username}="${password}";`;
  // The broker's own (unused) login token needs a subject; clients' tokens are validated unsigned.
  const oauthJaas = `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="${username}";`;
  const cluster = input.cluster ?? {
    nodeId: 1,
    // The controller talks to itself; inside a container too, so loopback rather than advertisedHost.
    quorumVoters: `1@127.0.0.1:${ports.controller}`,
    replicationFactor: 1,
    minInsyncReplicas: 1,
  };
  const ssl =
    ports.ssl !== undefined && input.tls !== undefined ? { port: ports.ssl, ...input.tls } : undefined;
  const listeners = [
    `PLAINTEXT://${bindHost}:${ports.plaintext}`,
    `SASL_PLAINTEXT://${bindHost}:${ports.sasl}`,
    ...(ssl ? [`SSL://${bindHost}:${ssl.port}`] : []),
    `CONTROLLER://${bindHost}:${ports.controller}`,
  ];
  const advertised = [
    `PLAINTEXT://${advertisedHost}:${ports.plaintext}`,
    `SASL_PLAINTEXT://${advertisedHost}:${ports.sasl}`,
    ...(ssl ? [`SSL://${advertisedHost}:${ssl.port}`] : []),
  ];
  const entries: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': cluster.nodeId,
    'controller.quorum.voters': cluster.quorumVoters,
    ...(input.cluster === undefined
      ? {}
      : {
          // A killed broker is fenced (its leaderships move) after 4 s instead of 9 s, well
          // within a client's retries; still far above a loaded machine's GC pauses.
          'broker.session.timeout.ms': 4000,
          'broker.heartbeat.interval.ms': 1000,
        }),
    listeners: listeners.join(','),
    'advertised.listeners': advertised.join(','),
    'listener.security.protocol.map':
      'PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,CONTROLLER:PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512,PLAIN,OAUTHBEARER',
    'listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config': scramJaas,
    'listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config': scramJaas,
    'listener.name.sasl_plaintext.plain.sasl.jaas.config': plainJaas,
    'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config': oauthJaas,
    ...(ssl
      ? {
          'ssl.keystore.type': 'PKCS12',
          'ssl.keystore.location': ssl.keystorePath,
          'ssl.keystore.password': ssl.keystorePassword,
          'ssl.key.password': ssl.keystorePassword,
          'ssl.client.auth': 'none',
        }
      : {}),
    'log.dirs': input.logDir,
    'num.partitions': 1,
    'default.replication.factor': cluster.replicationFactor,
    'auto.create.topics.enable': false,
    'delete.topic.enable': true,
    'offsets.topic.replication.factor': cluster.replicationFactor,
    'offsets.topic.num.partitions': 5,
    'transaction.state.log.replication.factor': cluster.replicationFactor,
    'transaction.state.log.min.isr': cluster.minInsyncReplicas,
    'transaction.state.log.num.partitions': 5,
    'min.insync.replicas': cluster.minInsyncReplicas,
    'group.initial.rebalance.delay.ms': 0,
    // Small segments and a short retention check keep the data directory small across reuse.
    'log.segment.bytes': 64 * 1024 * 1024,
    'log.retention.hours': 24,
    'log.retention.check.interval.ms': 60_000,
    'num.network.threads': 2,
    'num.io.threads': 4,
    'background.threads': 4,
  };
  return `${Object.entries(entries)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n`;
}

/** A random KRaft cluster id (16 bytes, URL-safe base64 without padding, as `kafka-storage random-uuid`). */
export function randomKafkaClusterId(): string {
  return randomBytes(16).toString('base64url');
}

/** Arguments after the `StorageTool` main class / `kafka-storage.sh`: format with the SCRAM users. */
export function kafkaFormatArgs(configFile: string, clusterId: string): string[] {
  const { username, password } = KAFKA_SCRAM_USER;
  return [
    'format',
    '--cluster-id',
    clusterId,
    '--config',
    configFile,
    '--ignore-formatted',
    '--add-scram',
    `SCRAM-SHA-256=[name=${username},password=${password}]`,
    '--add-scram',
    `SCRAM-SHA-512=[name=${username},password=${password}]`,
  ];
}

/** Kafka 4 logs through log4j 2; 3.x through log4j 1 (reload4j). */
function usesLog4j2(version: string): boolean {
  return Number(version.split('.')[0]) >= 4;
}

/**
 * The broker's class path for `version`: `kafka_2.13` plus the logging binding its binary
 * distribution ships (without one the broker logs nothing).
 */
export function kafkaArtifacts(version: string): MavenArtifactSet {
  return {
    key: `kafka-${version}`,
    dependencies: [
      { groupId: 'org.apache.kafka', artifactId: 'kafka_2.13', version },
      ...(usesLog4j2(version)
        ? [
            { groupId: 'org.apache.logging.log4j', artifactId: 'log4j-core', version: LOG4J2_VERSION },
            { groupId: 'org.apache.logging.log4j', artifactId: 'log4j-slf4j-impl', version: LOG4J2_VERSION },
          ]
        : [{ groupId: 'org.slf4j', artifactId: 'slf4j-reload4j', version: '1.7.36' }]),
    ],
  };
}

/** log4j 2 of Kafka 4's binary distribution. */
const LOG4J2_VERSION = '2.24.3';

/** The single `kafka` service's class path (also the Java clients' the oracles run). */
export const KAFKA_ARTIFACTS: MavenArtifactSet = kafkaArtifacts(KAFKA_VERSION);

/** The JVM flag that points `version`'s logging at the file {@link kafkaLogConfig} wrote. */
export function kafkaLogConfigFlag(version: string, file: string): string {
  return usesLog4j2(version) ? `-Dlog4j2.configurationFile=${file}` : `-Dlog4j.configuration=file:${file}`;
}

/** Logging configuration: everything at INFO to stdout (which goes to the log file), chatty loggers at WARN. */
export function kafkaLogConfig(version: string): string {
  return usesLog4j2(version) ? KAFKA_LOG4J2_PROPERTIES : KAFKA_LOG4J_PROPERTIES;
}

const QUIET_LOGGERS = ['kafka.request.logger', 'kafka.log.LogCleaner', 'state.change.logger'];

/** log4j 1 (reload4j) configuration. */
const KAFKA_LOG4J_PROPERTIES = `log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
${QUIET_LOGGERS.map((name) => `log4j.logger.${name}=WARN`).join('\n')}
`;

/** log4j 2 configuration (properties format). */
const KAFKA_LOG4J2_PROPERTIES = `status = warn
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
${QUIET_LOGGERS.map((name, i) => `logger.q${i}.name = ${name}\nlogger.q${i}.level = WARN`).join('\n')}
`;
