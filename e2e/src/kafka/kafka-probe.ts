import { Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import type { KafkaConnection } from '../harness/service-types.js';

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
 * not finished starting fails this check, which is the point.
 */
export async function probeKafka(connection: KafkaConnection, signal: AbortSignal): Promise<void> {
  await describeCluster(new Kafka(probeConfig(connection.brokers)), signal);
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

async function describeCluster(kafka: Kafka, signal: AbortSignal): Promise<void> {
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
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
