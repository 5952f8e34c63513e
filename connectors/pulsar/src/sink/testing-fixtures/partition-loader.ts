/**
 * Test-only: loads a new topic's partitions on the broker one at a time, each until its
 * transaction buffer has recovered, before a test's jobs and readers use them. Nothing is written.
 *
 * Why: Pulsar 4.2.4 recovers a loaded partition's transaction buffer through one reader of the
 * namespace's `__transaction_buffer_snapshot` topic that all recoveries share (the broker's
 * `transaction.buffer.impl.TableView`, unsynchronised). When two partitions of a namespace
 * recover at once and that topic holds a message neither has read (a deleted topic's tombstone,
 * say), both see "more events", one takes the message and the other waits for it until the
 * broker's 30 s operation timeout; that recovery fails and the broker closes and reloads the
 * partition. Meanwhile GET_LAST_MESSAGE_ID on the partition, which waits for the recovery, gets
 * no answer (the sink contract's reader timed out after 30 s in 8 of 25 at-least-once savepoint
 * runs) and transactional sends to it wait. Loaded one by one, no two recoveries overlap.
 */
import { type PulsarService, waitUntil } from '@tributary/e2e';

/** The transaction buffer states of a partition whose recovery has finished. */
const RECOVERED = new Set(['Ready', 'NoSnapshot']);

export async function loadPartitionsOneByOne(
  pulsar: PulsarService,
  topic: string,
  partitions: number,
): Promise<void> {
  const name = topic.replace('persistent://', '');
  for (let p = 0; p < partitions; p++) {
    const partition = `${name}-partition-${p}`;
    // The admin's last-message-id call loads the partition (and so starts its recovery).
    await pulsar.admin('GET', `/admin/v2/persistent/${partition}/lastMessageId`);
    await waitUntil(
      async () => {
        const stats = await pulsar.admin<{ state?: string }>(
          'GET',
          `/admin/v3/transactions/transactionBufferStats/${partition}`,
        );
        if (!RECOVERED.has(stats.state ?? '')) throw new Error(`transaction buffer ${stats.state}`);
      },
      { timeoutMs: 90_000, what: `the transaction buffer of ${partition} to recover` },
    );
  }
}
