/**
 * The physical reference for the pass-through scenario: the loop a skilled kafkajs user writes
 * without any runtime — a consumer with `eachBatch`, manual offsets (no commits), every partition
 * consumed concurrently, each batch sent with the same producer settings as the connector's
 * at-least-once sink (idempotent, acks all, one request in flight). Stops after `records`.
 *
 * Args: one JSON object `{ brokers, input, output, records, partitions, group }`.
 * Prints `PEER_RESULT {json}` at the end.
 */
import { Kafka, logLevel } from 'kafkajs';
import { processStats } from '../process-stats.js';

const args = JSON.parse(process.argv[2] ?? '') as {
  brokers: string[];
  input: string;
  output: string;
  records: number;
  partitions: number;
  group: string;
};

const kafka = new Kafka({ brokers: args.brokers, logLevel: logLevel.NOTHING });
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
const consumer = kafka.consumer({ groupId: args.group, readUncommitted: false });
await Promise.all([producer.connect(), consumer.connect()]);
await consumer.subscribe({ topic: args.input, fromBeginning: true });

let copied = 0;
const done = new Promise<void>((resolve) => {
  void consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: args.partitions,
    eachBatch: async ({ batch }) => {
      await producer.send({
        topic: args.output,
        acks: -1,
        messages: batch.messages.map((m) => ({ value: m.value })),
      });
      copied += batch.messages.length;
      if (copied >= args.records) resolve();
    },
  });
});
await done;
await consumer.disconnect();
await producer.disconnect();
process.stdout.write(`PEER_RESULT ${JSON.stringify(processStats())}\n`);
