import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../harness/wait-until.js';
import { useService } from '../services/use-service.js';
import type { KafkaClusterService } from './kafka-cluster-service.js';
import { KAFKA_CLUSTER_VERSION } from './kafka-server-config.js';

describe('kafka-cluster service (3 KRaft brokers)', () => {
  let cluster: KafkaClusterService;

  beforeAll(async () => {
    cluster = await useService('kafka-cluster');
  });
  afterAll(async () => {
    await cluster?.close();
  });

  async function send(topic: string, count: number): Promise<void> {
    const producer = new Kafka({ ...cluster.kafkaConfig(), logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    try {
      await producer.send({
        topic,
        acks: -1,
        messages: Array.from({ length: count }, (_, i) => ({ value: `${i}` })),
      });
    } finally {
      await producer.disconnect();
    }
  }

  it('replicates topics on 3 brokers of Kafka 4; with one broker killed, acks=all writes go on; the restarted broker rejoins every ISR', async () => {
    expect(cluster.version).toBe(process.env.TRIBUTARY_KAFKA_CLUSTER_VERSION || KAFKA_CLUSTER_VERSION);
    expect(cluster.nodes.map((n) => n.nodeId)).toEqual([1, 2, 3]);
    // #region kafka-cluster
    const topic = await cluster.createTopic({ partitions: 3 }); // replication factor 3
    const [first] = await cluster.replicas(topic); // leader and ISR per partition
    const victim = first?.leader as number;
    await cluster.killBroker(victim); // SIGKILL, as a crash; leaders move to the other two
    await send(topic, 30); // acks=all still works: min.insync.replicas=2
    await cluster.restartBroker(victim); // same ports and data; resolves once it rejoined
    // #endregion kafka-cluster
    expect(first?.isr).toHaveLength(3);
    await waitUntil(
      async () => {
        const lagging = (await cluster.replicas(topic)).filter((p) => !p.isr.includes(victim));
        if (lagging.length > 0)
          throw new Error(`${lagging.length} partitions without broker ${victim} in their ISR`);
      },
      { what: `broker ${victim} to rejoin every ISR`, timeoutMs: 60_000 },
    );
    const admin = await cluster.adminClient();
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(30);
  });
});
