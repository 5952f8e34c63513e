/**
 * Test-only: the contract contexts of the Kinesis connector against kinesalite. The suites and
 * the crash test's child process import this module; the top-level `useService('kinesis')`
 * reuses the running shared emulator (or starts it).
 */
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  PutRecordsCommand,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import { useService } from '@tributary/e2e';
import { defineSinkContext, defineSourceContext } from '@tributary/e2e/contract';
import { JsonDeserializationSchema, JsonSerializationSchema } from '@tributary/format-json';
import { kinesisRecordSerializer } from '../sink/kinesis-record-serializer.js';
import { KinesisSink } from '../sink/kinesis-sink.js';
import { valueOnly } from '../source/kinesis-record.js';
import { KinesisSource } from '../source/kinesis-source.js';
import { listAllShards, readWholeStream } from './stream-oracle.js';

const kinesis = await useService('kinesis');
export const admin = kinesis.createClient();
export const connection = kinesis.connection;

/** The connector's connection options for the emulator. */
export const emulatorOptions = {
  endpoint: connection.endpoint,
  region: connection.region,
  credentials: { ...connection.credentials },
} as const;

/** Stream names follow from `testId` alone, so a crash child rebuilds the same source and sink. */
const outputStream = (testId: string) => `contract-out-${testId}`;
const inputStream = (testId: string) => `contract-in-${testId}`;

/** Creates a stream and waits until it is ACTIVE. */
export async function createStream(name: string, shards: number): Promise<void> {
  await admin.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  await waitUntilStreamExists(
    { client: admin, maxWaitTime: 60, minDelay: 1, maxDelay: 1 },
    { StreamName: name },
  );
}

/** Deletes a stream; a missing one is fine (cleanup is idempotent). */
export async function deleteStream(name: string): Promise<void> {
  await admin
    .send(new DeleteStreamCommand({ StreamName: name, EnforceConsumerDeletion: true }))
    .catch((error: Error) => {
      if (error.name !== 'ResourceNotFoundException') throw error;
    });
}

export const sinkContext = defineSinkContext({
  prepare: (setup) => createStream(outputStream(setup.testId), 4),
  createSink: (setup) =>
    new KinesisSink(
      { ...emulatorOptions, streamName: outputStream(setup.testId), maxTimeInBufferMs: 200 },
      kinesisRecordSerializer({
        value: new JsonSerializationSchema(),
        partitionKey: (record) => `split-${record.split}`,
      }),
    ),
  async readBack(setup) {
    const records = await readWholeStream(admin, outputStream(setup.testId));
    return records.map((r) => JSON.parse(r.text));
  },
  cleanup: (setup) => deleteStream(outputStream(setup.testId)),
});

/** A source test record: its shard index, its position in the shard, some text. */
export interface ContractLine {
  readonly p: number;
  readonly i: number;
  readonly text: string;
}

function linesOf(p: number, from: number, count: number): ContractLine[] {
  return Array.from({ length: count }, (_, k) => ({ p, i: from + k, text: `line ${from + k} of ${p}` }));
}

/**
 * Writes `lines[p]` into the p-th open shard (by hash key range order) with the plain SDK:
 * ExplicitHashKey pins the shard, one PutRecords call at a time keeps the order.
 */
export async function putLines(stream: string, lines: readonly (readonly ContractLine[])[]): Promise<void> {
  const open = (await listAllShards(admin, stream))
    .filter((s) => s.SequenceNumberRange?.EndingSequenceNumber === undefined)
    .sort((a, b) =>
      BigInt(a.HashKeyRange?.StartingHashKey ?? 0) < BigInt(b.HashKeyRange?.StartingHashKey ?? 0) ? -1 : 1,
    );
  for (const [p, shardLines] of lines.entries()) {
    const hashKey = open[p]?.HashKeyRange?.StartingHashKey as string;
    for (let start = 0; start < shardLines.length; start += 500) {
      const result = await admin.send(
        new PutRecordsCommand({
          StreamName: stream,
          Records: shardLines.slice(start, start + 500).map((line) => ({
            Data: Buffer.from(JSON.stringify(line)),
            PartitionKey: `p${line.p}`,
            ExplicitHashKey: hashKey,
          })),
        }),
      );
      if (result.FailedRecordCount)
        throw new Error(`test data: ${result.FailedRecordCount} records were rejected`);
    }
  }
}

export const sourceContext = defineSourceContext<ContractLine>({
  boundedness: ['bounded', 'unbounded'],
  async writeTestData(setup) {
    const stream = inputStream(setup.testId);
    await createStream(stream, setup.splits);
    const expected = Array.from({ length: setup.splits }, (_, p) => linesOf(p, 0, setup.recordsPerSplit));
    await putLines(stream, expected);
    return expected;
  },
  async appendTestData(setup, { round }) {
    const from = round * setup.recordsPerSplit;
    const added = Array.from({ length: setup.splits }, (_, p) => linesOf(p, from, setup.recordsPerSplit));
    await putLines(inputStream(setup.testId), added);
    return added;
  },
  createSource: (setup) =>
    new KinesisSource<ContractLine>(
      {
        ...emulatorOptions,
        streamName: inputStream(setup.testId),
        startingPosition: 'trim-horizon',
        ...(setup.boundedness === 'unbounded' ? {} : { stoppingPosition: 'latest' as const }),
        // The emulator has no rate limits: poll quickly so the tests stay short.
        idleIntervalMs: 200,
        getRecordsMaxRecords: 100,
        shardDiscoveryIntervalMs: 1_000,
        // Small polls: the suites slow the job through backpressure per written batch.
        maxRecordsPerPoll: 20,
      },
      valueOnly(new JsonDeserializationSchema<ContractLine>()),
    ),
  keyOf: (line) => `${line.p}/${line.i}`,
  cleanup: (setup) => deleteStream(inputStream(setup.testId)),
});
