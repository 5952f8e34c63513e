/**
 * Test-only: the contract contexts of the Kafka connector — how the `@tributary/e2e/contract`
 * suites write test data into (and read results back from) the local broker. Both suites and the
 * crash test's child process import this module, so it finds the broker on its own: the
 * top-level `useService('kafka')` reuses the running shared broker (or starts it). With
 * `TRIBUTARY_KAFKA_CONTRACT_SERVICE=kafka-cluster` (set by kafka-cluster-contract.int.test.ts and
 * inherited by its crash children) the same contexts run on the 3-broker Kafka 4 cluster.
 */

import { useService } from '@tributary/e2e';
import { defineSinkContext, defineSourceContext } from '@tributary/e2e/contract';
import { JsonDeserializationSchema, JsonSerializationSchema } from '@tributary/format-json';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { kafkaRecordSerializer } from '../sink/kafka-record-serializer.js';
import { KafkaSink } from '../sink/kafka-sink.js';
import { valueOnly } from '../source/kafka-record-deserializer.js';
import { KafkaSource } from '../source/kafka-source.js';
import { readTopic } from './committed-reader.js';

/** A source test record: its partition, its position in the partition, some text. */
export interface ContractLine {
  readonly p: number;
  readonly i: number;
  readonly text: string;
}

// `createSource` / `createSink` are synchronous and run in crash children too: the broker
// addresses must be known when the module has loaded.
const kafka = await useService(
  process.env.TRIBUTARY_KAFKA_CONTRACT_SERVICE === 'kafka-cluster' ? 'kafka-cluster' : 'kafka',
);
const brokers = kafka.brokers;
const client = new Kafka({ brokers, clientId: 'kafka-contract-context', logLevel: logLevel.NOTHING });

/** Topic names follow from `testId` alone, so a crash child rebuilds the same source and sink. */
const inputTopic = (testId: string) => `contract-in-${testId}`;
const outputTopic = (testId: string) => `contract-out-${testId}`;

async function withAdmin<R>(use: (admin: Admin) => Promise<R>): Promise<R> {
  const admin = client.admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

async function createTopic(topic: string, partitions: number): Promise<void> {
  await withAdmin((admin) =>
    admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic, numPartitions: partitions, replicationFactor: kafka.connection.replicationFactor ?? 1 },
      ],
    }),
  );
}

async function deleteTopic(topic: string): Promise<void> {
  await withAdmin(async (admin) => {
    try {
      await admin.deleteTopics({ topics: [topic], timeout: 30_000 });
    } catch (error) {
      // Already gone (or never created by a failed setup) is fine: cleanup is idempotent.
      if (!/UNKNOWN_TOPIC|does not host this topic/i.test(String((error as Error).message))) throw error;
    }
  });
}

/** Lines `from … from + count - 1` of partition `p`, produced in partition order. */
function linesOf(p: number, from: number, count: number): ContractLine[] {
  return Array.from({ length: count }, (_, k) => ({ p, i: from + k, text: `line ${from + k} of ${p}` }));
}

/** Produces `lines[p]` into partition `p` of `topic`, in array order. */
async function produce(topic: string, lines: readonly (readonly ContractLine[])[]): Promise<void> {
  const producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (const [p, partition] of lines.entries()) {
      // Batched sends; idempotence with one request in flight keeps offset order = array order.
      for (let start = 0; start < partition.length; start += 1000) {
        await producer.send({
          topic,
          acks: -1,
          messages: partition
            .slice(start, start + 1000)
            .map((line) => ({ partition: p, key: `p${p}`, value: JSON.stringify(line) })),
        });
      }
    }
  } finally {
    await producer.disconnect();
  }
}

export const sourceContext = defineSourceContext<ContractLine>({
  boundedness: ['bounded', 'unbounded'],
  async writeTestData(setup) {
    const topic = inputTopic(setup.testId);
    await createTopic(topic, setup.splits);
    const expected = Array.from({ length: setup.splits }, (_, p) => linesOf(p, 0, setup.recordsPerSplit));
    await produce(topic, expected);
    return expected;
  },
  // Unbounded: every round appends `recordsPerSplit` lines to each partition (the same splits).
  async appendTestData(setup, { round }) {
    const from = round * setup.recordsPerSplit;
    const added = Array.from({ length: setup.splits }, (_, p) => linesOf(p, from, setup.recordsPerSplit));
    await produce(inputTopic(setup.testId), added);
    return added;
  },
  createSource: (setup) =>
    new KafkaSource<ContractLine>(
      {
        brokers,
        topics: [inputTopic(setup.testId)],
        startingOffsets: 'earliest',
        // Bounded: stop at the offsets that were latest at the start; unbounded: never stop.
        ...(setup.boundedness === 'unbounded' ? {} : { stoppingOffsets: 'latest' as const }),
        // Small polls: the suites slow the job through backpressure per written batch, and a
        // whole partition in one poll would let a bounded job finish before its savepoint.
        maxRecordsPerPoll: 20,
      },
      valueOnly(new JsonDeserializationSchema<ContractLine>()),
    ),
  keyOf: (line) => `${line.p}/${line.i}`,
  cleanup: (setup) => deleteTopic(inputTopic(setup.testId)),
  // The source reports `pendingRecords` from the fetched high watermarks.
  metrics: { requirePending: true },
});

export const sinkContext = defineSinkContext({
  prepare: (setup) => createTopic(outputTopic(setup.testId), 4),
  createSink: (setup) =>
    new KafkaSink(
      {
        brokers,
        deliveryGuarantee: setup.guarantee,
        // Unique per test, stable across the crash child's restarts (recovery finds its ids).
        transactionalIdPrefix: `contract-${setup.testId}`,
        transactionTimeoutMs: 60_000,
      },
      kafkaRecordSerializer({
        topic: outputTopic(setup.testId),
        key: (record) => `split-${record.split}`,
        value: new JsonSerializationSchema(),
      }),
    ),
  // Not settled (see `readTopicSettled`): the suites also poll this while a job runs, with its
  // transaction open. A finished job's output is complete here because its commit resolves only
  // once the transactions are complete (KafkaCommitter).
  async readBack(setup) {
    const partitions = await readTopic(brokers, outputTopic(setup.testId), { isolation: 'read_committed' });
    return partitions.flatMap((p) => p.values.map((value) => JSON.parse(value)));
  },
  cleanup: (setup) => deleteTopic(outputTopic(setup.testId)),
});
