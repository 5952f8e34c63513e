/**
 * Test-only: makes a new topic's transaction buffers take their first snapshot before a test's
 * jobs write to it. Pulsar 4.0.7 fails transactional sends that arrive while a topic partition's
 * buffer takes that snapshot (ServiceNotReady; fixed upstream by apache/pulsar#24945). The sink
 * then fails the job — exactly-once holds, and a restart strategy recovers — but the contract
 * suite's jobs run without restarts. One transactional message per partition, sent alone and
 * aborted (readers never see it), takes the snapshot. `transaction-fresh-topic.int.test.ts` in
 * the client covers the race itself.
 */
import { PulsarClient } from '@tributary/pulsar-client';

export async function primeTransactionBuffers(serviceUrl: string, topic: string): Promise<void> {
  const client = new PulsarClient({ serviceUrl });
  try {
    const producer = await client.createProducer({ topic, batchingEnabled: false });
    const coordinator = await client.transactions();
    const partitions = Math.max(1, producer.partitionCount);
    for (let p = 0; p < partitions; p++) {
      const txn = await coordinator.newTransaction(60_000);
      await producer.sendToPartition(p, { payload: new Uint8Array(0), transaction: txn });
      await txn.abort();
    }
    await producer.close();
  } finally {
    await client.close();
  }
}
