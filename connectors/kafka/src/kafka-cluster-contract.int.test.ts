/**
 * The `@tributary/e2e/contract` suites on the 3-broker Kafka 4 cluster (`kafka-cluster`): the
 * same contexts as kafka-contract.int.test.ts (3.9, one broker), with topics replicated 3 times.
 * Fewer crash kills than there: recovery is the same code; this run is about Kafka 4 and
 * replicated topics.
 */
import { describeSinkContract, describeSourceContract } from '@tributary/e2e/contract';

// Read by the context module when the suites load it, and inherited by their crash children.
process.env.TRIBUTARY_KAFKA_CONTRACT_SERVICE = 'kafka-cluster';
const contextModule = new URL('./testing-fixtures/kafka-contract-context.ts', import.meta.url);

describeSourceContract({
  name: 'KafkaSource (3-broker Kafka 4 cluster)',
  guarantees: ['exactly-once'],
  contextModule,
  exportName: 'sourceContext',
  crash: { kills: 3 },
});

describeSinkContract({
  name: 'KafkaSink (3-broker Kafka 4 cluster)',
  guarantees: ['exactly-once', 'at-least-once'],
  contextModule,
  exportName: 'sinkContext',
  // As on the single broker: slow enough that the savepoint and rescale cases stop a running job.
  recordsPerSecond: 400,
  crash: { kills: 3 },
});
