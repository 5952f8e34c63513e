/**
 * Test-only: reads everything a topic holds for readers (committed transactions only — Pulsar
 * dispatches nothing of an open or aborted transaction) with a fresh non-durable subscription,
 * up to each partition's last message id at the start of the read.
 */
import { type ConsumerMessage, EARLIEST, type MessageId, PulsarClient } from '@tributary/pulsar-client';

/** Whether `id` is at or past `last` (a batch counts as reached at its last message). */
function reached(id: MessageId, last: MessageId): boolean {
  if (id.ledgerId !== last.ledgerId) return id.ledgerId > last.ledgerId;
  if (id.entryId !== last.entryId) return id.entryId > last.entryId;
  if (last.batchIndex >= 0) return id.batchIndex >= last.batchIndex;
  return id.batchIndex < 0 || id.batchIndex === id.batchSize - 1;
}

/** The topic's readable messages, in each partition's order (partitions one after the other). */
export async function readCommitted(
  serviceUrl: string,
  topic: string,
  idleTimeoutMs = 10_000,
): Promise<ConsumerMessage[]> {
  const client = new PulsarClient({ serviceUrl });
  try {
    const consumer = await client.subscribe({
      topic,
      subscription: `read-${Date.now()}-${Math.random().toString(36).slice(2)}`,
      initialPosition: 'earliest',
      durable: false,
      startMessageId: EARLIEST,
      startMessageIdInclusive: true,
    });
    const lastIds = await consumer.lastMessageIds();
    const open = new Set([...lastIds].filter(([, id]) => id.entryId >= 0n).map(([t]) => t));
    const byPartition = new Map<string, ConsumerMessage[]>();
    while (open.size > 0) {
      const message = await consumer.receive(idleTimeoutMs);
      // The last id can be a transaction marker, which is never delivered: stop when nothing comes.
      if (message === undefined) break;
      const list = byPartition.get(message.topic) ?? [];
      list.push(message);
      byPartition.set(message.topic, list);
      const last = lastIds.get(message.topic);
      if (last !== undefined && reached(message.messageId, last)) open.delete(message.topic);
    }
    await consumer.close();
    return [...byPartition.keys()].sort().flatMap((t) => byPartition.get(t) ?? []);
  } finally {
    await client.close();
  }
}
