/**
 * Test-only: the contract contexts of the Kinesis connector against kinesalite. The suites and
 * the crash test's child process import this module; the top-level `useService('kinesis')`
 * reuses the running shared emulator (or starts it).
 */
import { CreateStreamCommand, DeleteStreamCommand, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import { useService } from '@tributary/e2e';
import { defineSinkContext } from '@tributary/e2e/contract';
import { JsonSerializationSchema } from '@tributary/format-json';
import { kinesisRecordSerializer } from '../sink/kinesis-record-serializer.js';
import { KinesisSink } from '../sink/kinesis-sink.js';
import { readWholeStream } from './stream-oracle.js';

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
