/**
 * The `@tributary/e2e/contract` suites against kinesalite: the sink (at-least-once, crash case
 * included) and the source.
 */
import { describeSinkContract, describeSourceContract } from '@tributary/e2e/contract';

const contextModule = new URL('./testing-fixtures/kinesis-contract-context.ts', import.meta.url);

describeSinkContract({
  name: 'KinesisSink',
  guarantees: ['at-least-once'],
  // Reading the stream back takes a round trip per shard: a slower job leaves the savepoint
  // tests time to stop it mid-stream.
  recordsPerSecond: 250,
  contextModule,
  exportName: 'sinkContext',
});

describeSourceContract({
  name: 'KinesisSource',
  guarantees: ['exactly-once'],
  contextModule,
  exportName: 'sourceContext',
});
