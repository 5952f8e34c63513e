/**
 * Test-only: the source contract contexts of the Pulsar connector — how the
 * `@tributary/e2e/contract` suites write test data into the local broker. The suites and the
 * crash tests' child processes import this module, so it finds the broker on its own: the
 * top-level `useService('pulsar')` reuses the running shared broker (or starts it).
 */

import { PulsarAdminError, type PulsarService, useService } from '@tributary/e2e';
import {
  defineSourceContext,
  type SourceContractContext,
  type SourceTestSetup,
} from '@tributary/e2e/contract';
import { JsonDeserializationSchema } from '@tributary/format-json';
import { PulsarClient, type SubscriptionType } from '@tributary/pulsar-client';
import { valueOnly } from '../source/pulsar-message-deserializer.js';
import { PulsarSource } from '../source/pulsar-source.js';

/** A source test record: its partition, its position in the partition, some text. */
export interface ContractLine {
  readonly p: number;
  readonly i: number;
  readonly text: string;
}

// `createSource` is synchronous and runs in crash children too: the broker must be known when
// the module has loaded.
const pulsar: PulsarService = await useService('pulsar');
const serviceUrl = pulsar.connection.serviceUrl;

/** Topic names follow from `testId` alone, so a crash child rebuilds the same source. */
const inputTopic = (testId: string) => `persistent://public/default/contract-in-${testId}`;
const adminPath = (topic: string) => `/admin/v2/${topic.replace('://', '/')}`;

function linesOf(p: number, from: number, count: number): ContractLine[] {
  return Array.from({ length: count }, (_, k) => ({ p, i: from + k, text: `line ${from + k} of ${p}` }));
}

/**
 * Produces `lines[p]` into partition `p` (keyed `p<p>`), in array order, in small batches: the
 * source must handle batched entries (a poll may stop inside one: Exclusive/Failover count messages).
 */
async function produce(topic: string, lines: readonly (readonly ContractLine[])[]): Promise<void> {
  const client = new PulsarClient({ serviceUrl, operationTimeoutMs: 60_000 });
  try {
    const producer = await client.createProducer({
      topic,
      batchingMaxMessages: 5,
      router: (message) => Number(message.key?.slice(1)),
    });
    const encoder = new TextEncoder();
    for (const [p, partition] of lines.entries()) {
      for (let start = 0; start < partition.length; start += 500) {
        await Promise.all(
          partition
            .slice(start, start + 500)
            .map((line) => producer.send({ key: `p${p}`, payload: encoder.encode(JSON.stringify(line)) })),
        );
      }
    }
    await producer.close();
  } finally {
    await client.close();
  }
}

/**
 * The context for one subscription type. Exclusive and Failover read bounded (stop at latest)
 * and unbounded; Shared and Key_Shared only unbounded (no reader can tell where the others are).
 */
export function pulsarSourceContext(type: SubscriptionType): SourceContractContext<ContractLine> {
  const shared = type === 'Shared' || type === 'Key_Shared';
  return defineSourceContext<ContractLine>({
    boundedness: shared ? ['unbounded'] : ['bounded', 'unbounded'],
    // Shared spreads a partition over readers and redelivers unacked messages after newer ones:
    // every message once, in no set order. Key_Shared keeps each key's order (a key per split).
    ...(type === 'Shared' ? { ordering: 'none' as const } : {}),
    async writeTestData(setup) {
      const topic = inputTopic(setup.testId);
      await pulsar.admin('PUT', `${adminPath(topic)}/partitions`, setup.splits);
      const expected = Array.from({ length: setup.splits }, (_, p) => linesOf(p, 0, setup.recordsPerSplit));
      await produce(topic, expected);
      return expected;
    },
    async appendTestData(setup, { round }) {
      const from = round * setup.recordsPerSplit;
      const added = Array.from({ length: setup.splits }, (_, p) => linesOf(p, from, setup.recordsPerSplit));
      await produce(inputTopic(setup.testId), added);
      return added;
    },
    createSource: (setup: SourceTestSetup) =>
      new PulsarSource<ContractLine>(
        {
          serviceUrl,
          topics: [inputTopic(setup.testId)],
          subscriptionName: `contract-${type}`,
          subscriptionType: type,
          startCursor: 'earliest',
          ...(setup.boundedness === 'unbounded' ? {} : { stopCursor: 'latest' as const }),
          // Small polls: the suites slow the job through backpressure per written batch.
          maxRecordsPerPoll: 10,
          receiverQueueSize: 100,
          fetchMaxWaitMs: 200,
          backlogIntervalMs: 500,
          // Checkpoints in the suites come every few hundred ms; a minute is ample.
          transactionTimeoutMs: 60_000,
        },
        valueOnly(new JsonDeserializationSchema<ContractLine>()),
      ),
    keyOf: (line) => `${line.p}/${line.i}`,
    cleanup: async (setup) => {
      try {
        await pulsar.admin('DELETE', `${adminPath(inputTopic(setup.testId))}/partitions?force=true`);
      } catch (error) {
        // Never created (a failed setup) is fine: cleanup is idempotent.
        if (!(error instanceof PulsarAdminError && error.status === 404)) throw error;
      }
    },
    // `pendingRecords` is the subscription backlog, read per partition.
    metrics: { requirePending: true },
  });
}

export const exclusiveSourceContext = pulsarSourceContext('Exclusive');
export const failoverSourceContext = pulsarSourceContext('Failover');
export const keySharedSourceContext = pulsarSourceContext('Key_Shared');
export const sharedSourceContext = pulsarSourceContext('Shared');
