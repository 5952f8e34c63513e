/**
 * Test-only: the sink contract context of the Pulsar connector — how the `@tributary/e2e/contract`
 * suite creates the output topic of a test and reads it back from the local broker. The crash
 * test's child process imports this module too, so it finds the broker on its own: the top-level
 * `useService('pulsar')` reuses the running shared broker (or starts it).
 */
import { useService } from '@tributary/e2e';
import { defineSinkContext, type SinkContractRecord } from '@tributary/e2e/contract';
import { JsonSerializationSchema } from '@tributary/format-json';
import { pulsarRecordSerializer } from '../pulsar-record-serializer.js';
import { PulsarSink } from '../pulsar-sink.js';
import { readCommitted } from './committed-topic-reader.js';

// `createSink` is synchronous and runs in crash children too: the URL must be known at load.
const pulsar = await useService('pulsar');
const serviceUrl = pulsar.connection.serviceUrl;
const namespace = 'public/default';

/** Topic names follow from `testId` alone, so a crash child rebuilds the same sink. */
const outputTopic = (testId: string) => `persistent://${namespace}/sink-contract-${testId}`;
const adminPath = (testId: string) => `/admin/v2/persistent/${namespace}/sink-contract-${testId}`;

export const sinkContext = defineSinkContext({
  prepare: (setup) => pulsar.admin<void>('PUT', `${adminPath(setup.testId)}/partitions`, 4),
  createSink: (setup) =>
    new PulsarSink<SinkContractRecord>(
      {
        serviceUrl,
        deliveryGuarantee: setup.guarantee,
        // Killed attempts may leave a transaction no checkpoint knows: it ends by this timeout.
        transactionTimeoutMs: 20_000,
      },
      pulsarRecordSerializer({
        topic: outputTopic(setup.testId),
        key: (record) => `split-${record.split}`,
        value: new JsonSerializationSchema<SinkContractRecord>(),
      }),
    ),
  async readBack(setup) {
    const messages = await readCommitted(serviceUrl, outputTopic(setup.testId), 3_000);
    return messages.map((m) => JSON.parse(new TextDecoder().decode(m.payload)) as SinkContractRecord);
  },
  cleanup: (setup) => pulsar.admin<void>('DELETE', `${adminPath(setup.testId)}/partitions?force=true`),
});
