import { Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import type { KafkaClusterConnection, KafkaConnection } from '../harness/service-types.js';

/** kafkajs settings for a harness-internal client: quiet, no retries (the caller polls). */
function probeConfig(brokers: readonly string[], extra: Partial<KafkaConfig> = {}): KafkaConfig {
  return {
    clientId: 'tributary-e2e-probe',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    requestTimeout: 5_000,
    retry: { retries: 0 },
    ...extra,
  };
}

/**
 * The Kafka readiness check: the PLAINTEXT listener answers a metadata request with a controller
 * elected, and the SASL listener accepts the SCRAM-SHA-256 user. A broker that accepts TCP but has
 * not finished starting fails this check, which is the point. For a cluster, every node must
 * also be registered (unfenced) with the controller.
 */
export async function probeKafka(
  connection: KafkaConnection | KafkaClusterConnection,
  signal: AbortSignal,
): Promise<void> {
  const nodes = 'nodes' in connection ? connection.nodes.map((n) => n.nodeId) : [];
  await describeCluster(new Kafka(probeConfig(connection.brokers)), signal, nodes);
  await describeCluster(
    new Kafka(
      probeConfig(connection.saslBrokers, {
        sasl: {
          mechanism: 'scram-sha-256',
          username: connection.sasl.username,
          password: connection.sasl.password,
        },
      }),
    ),
    signal,
  );
}

/**
 * One node of a cluster is back: its own PLAINTEXT listener answers (a new process, not the
 * controller's stale registration) and the controller lists it among the live brokers.
 */
export async function probeKafkaNode(
  connection: KafkaClusterConnection,
  nodeId: number,
  signal: AbortSignal,
): Promise<void> {
  const node = connection.nodes.find((n) => n.nodeId === nodeId);
  if (node === undefined) throw new Error(`no node ${nodeId} in the cluster`);
  await describeCluster(new Kafka(probeConfig([node.broker])), signal, [nodeId]);
}

async function describeCluster(
  kafka: Kafka,
  signal: AbortSignal,
  expectedNodes: readonly number[] = [],
): Promise<void> {
  const admin = kafka.admin();
  const aborted = new Promise<never>((_, reject) => {
    const fail = () => reject(new Error('Kafka probe timed out'));
    if (signal.aborted) fail();
    signal.addEventListener('abort', fail, { once: true });
  });
  aborted.catch(() => undefined);
  try {
    await Promise.race([admin.connect(), aborted]);
    const cluster = await Promise.race([admin.describeCluster(), aborted]);
    if (cluster.brokers.length === 0 || cluster.controller === null || cluster.controller < 0) {
      throw new Error('Kafka has no broker or no active controller yet');
    }
    const live = new Set(cluster.brokers.map((b) => b.nodeId));
    const missing = expectedNodes.filter((id) => !live.has(id));
    if (missing.length > 0) throw new Error(`Kafka nodes ${missing.join(', ')} are not registered yet`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
