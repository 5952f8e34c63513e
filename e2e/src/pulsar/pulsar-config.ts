/** The pinned Pulsar version (Maven `org.apache.pulsar:pulsar-broker`, image `apachepulsar/pulsar`). */
export const PULSAR_VERSION = '4.2.4';

/** The OpenTelemetry version Pulsar {@link PULSAR_VERSION} is built with (its `opentelemetry-api`). */
export const PULSAR_OPENTELEMETRY_VERSION = '1.62.0';

/** OpenTelemetry modules Maven would otherwise resolve at an older, incompatible version. */
export const OPENTELEMETRY_SDK_MODULES = [
  'opentelemetry-common',
  'opentelemetry-sdk-common',
  'opentelemetry-sdk-extension-autoconfigure-spi',
  'opentelemetry-sdk-logs',
  'opentelemetry-sdk-metrics',
  'opentelemetry-sdk-trace',
] as const;

/** The cluster name of the standalone instance. */
export const PULSAR_CLUSTER = 'standalone';

/** Ports of a standalone instance. */
export interface PulsarPorts {
  /** Binary protocol (`pulsar://`). */
  readonly broker: number;
  /** Admin REST API, lookups and the WebSocket API (`http://`, `ws://`). */
  readonly web: number;
}

/** Inputs of {@link pulsarStandaloneConf}. */
export interface PulsarConfigInput {
  readonly ports: PulsarPorts;
  /** Interface to bind (`127.0.0.1` locally, `0.0.0.0` in a container). */
  readonly bindAddress: string;
  /** Host clients use; lookups answer with it. */
  readonly advertisedAddress: string;
  /** A `pulsar+ssl://` listener on `port`, its key pair in a PKCS#12 keystore. */
  readonly tls?: { readonly port: number; readonly keystorePath: string; readonly keystorePassword: string };
  /** Token authentication with this HS256 secret (base64); anonymous connections stay allowed. */
  readonly tokenSecretKeyBase64?: string;
}

/**
 * `standalone.conf` for tests. Only what differs from the broker's defaults is written:
 * - transactions on (`transactionCoordinatorEnabled`), with system topics and topic-level policies
 *   they depend on;
 * - one bookie, so ensemble / write / ack quorum 1;
 * - WebSocket API on the web port; no functions worker; no load balancing;
 * - topics auto-created on first use (Pulsar's default), inactive topics never deleted behind a
 *   test's back, and forced tenant/namespace deletion allowed so cleanup is one call;
 * - small BookKeeper caches (32 MiB each) to keep memory low;
 * - delayed messages delivered no earlier than their `deliverAt` (`isDelayedDeliveryDeliverAtTimeStrict`).
 */
export function pulsarStandaloneConf(input: PulsarConfigInput): string {
  const entries: Record<string, string | number | boolean> = {
    metadataStoreUrl: '',
    clusterName: PULSAR_CLUSTER,
    brokerServicePort: input.ports.broker,
    webServicePort: input.ports.web,
    bindAddress: input.bindAddress,
    advertisedAddress: input.advertisedAddress,
    loadManagerClassName: 'org.apache.pulsar.broker.loadbalance.NoopLoadManager',
    loadBalancerEnabled: false,
    brokerDeleteInactiveTopicsEnabled: false,
    brokerShutdownTimeoutMs: 10_000,
    forceDeleteTenantAllowed: true,
    forceDeleteNamespaceAllowed: true,
    managedLedgerDefaultEnsembleSize: 1,
    managedLedgerDefaultWriteQuorum: 1,
    managedLedgerDefaultAckQuorum: 1,
    ledgerStorageClass: 'org.apache.bookkeeper.bookie.storage.ldb.DbLedgerStorage',
    dbStorage_writeCacheMaxSizeMb: 32,
    dbStorage_readAheadCacheMaxSizeMb: 32,
    journalSyncData: false,
    journalMaxGroupWaitMSec: 1,
    diskUsageThreshold: 0.99,
    diskUsageWarnThreshold: 0.99,
    allowLoopback: true,
    allowAutoTopicCreation: true,
    allowAutoTopicCreationType: 'non-partitioned',
    transactionCoordinatorEnabled: true,
    // Delayed delivery exactly at `deliverAt`: by default a broker may deliver up to one tick
    // (`delayedDeliveryTickTimeMillis`, 1 s) early, which tests of the deliverAt field cannot
    // tell from a client that sent it wrong.
    isDelayedDeliveryDeliverAtTimeStrict: true,
    // One transaction-buffer recovery at a time. A topic's recovery reads the namespace's
    // `__transaction_buffer_snapshot` through one reader shared per namespace (4.2's TableView):
    // two recoveries on different threads both see "more events", one takes the last message and
    // the other waits 30 s for one that never comes, then the broker closes the topic ("Failed to
    // recover Transaction Buffer") and requests on it time out. Seen here with partitions of a new
    // topic loading at once.
    numTransactionReplayThreadPoolSize: 1,
    systemTopicEnabled: true,
    topicLevelPoliciesEnabled: true,
    webSocketServiceEnabled: true,
    webSocketNumIoThreads: 2,
    webSocketConnectionsPerBroker: 2,
    functionsWorkerEnabled: false,
    statusFilePath: '',
    httpServerEnabled: false,
    exposeTopicLevelMetricsInPrometheus: false,
    ...(input.tls === undefined ? {} : tlsEntries(input.tls)),
    ...(input.tokenSecretKeyBase64 === undefined
      ? {}
      : tokenAuthenticationEntries(input.tokenSecretKeyBase64)),
  };
  return `${Object.entries(entries)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n`;
}

/** Server-authenticated TLS from a keystore; the broker's own clients keep the plain port. */
function tlsEntries(tls: NonNullable<PulsarConfigInput['tls']>): Record<string, string | number | boolean> {
  return {
    brokerServicePortTls: tls.port,
    tlsEnabledWithKeyStore: true,
    tlsKeyStoreType: 'PKCS12',
    tlsKeyStore: tls.keystorePath,
    tlsKeyStorePassword: tls.keystorePassword,
    tlsRequireTrustedClientCertOnConnect: false,
  };
}

/**
 * Token authentication without authorization: a token must verify against the secret, and a
 * connection that sends none is the anonymous role, so every other test (and the broker's own
 * clients) runs unchanged.
 */
function tokenAuthenticationEntries(secretBase64: string): Record<string, string | number | boolean> {
  return {
    authenticationEnabled: true,
    authenticationProviders: 'org.apache.pulsar.broker.authentication.AuthenticationProviderToken',
    tokenSecretKey: `data:;base64,${secretBase64}`,
    anonymousUserRole: 'anonymous',
    authorizationEnabled: false,
  };
}

/** log4j2 configuration: INFO to stdout (the service log); `level` for the transaction check. */
export function pulsarLog4j2Properties(level: 'info' | 'warn' = 'info'): string {
  return `status = warn
appender.console.type = Console
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{ISO8601} %-5p [%t] %c{1.} - %m%n
rootLogger.level = ${level}
rootLogger.appenderRef.console.ref = console
`;
}

/**
 * JVM flags: 1 GiB heap, 512 MiB direct memory (BookKeeper and Netty buffers), and the module
 * opens Pulsar's own launch script passes on Java 17.
 */
export const PULSAR_JVM_OPTIONS: readonly string[] = [
  '-Xms256m',
  '-Xmx1g',
  '-XX:MaxDirectMemorySize=512m',
  '-XX:+UseG1GC',
  '-XX:+ExitOnOutOfMemoryError',
  '-Dio.netty.leakDetectionLevel=disabled',
  '-Dio.netty.recycler.maxCapacityPerThread=4096',
  '--add-opens=java.base/java.io=ALL-UNNAMED',
  '--add-opens=java.base/java.util.zip=ALL-UNNAMED',
  '--add-opens=java.base/sun.net=ALL-UNNAMED',
  '--add-opens=java.management/sun.management=ALL-UNNAMED',
  '--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED',
  '--add-opens=java.base/jdk.internal.platform=ALL-UNNAMED',
  '--add-opens=java.base/java.nio=ALL-UNNAMED',
  '--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED',
];
