/**
 * The `@tributary/e2e/contract` suites against the real local broker: the source read as a
 * bounded job (earliest → latest) and as an unbounded one (no stopping offsets, records produced
 * while it runs), as its context declares, and the sink for both guarantees, crash cases included.
 */
import { describeSinkContract, describeSourceContract } from '@tributary/e2e/contract';

const contextModule = new URL('./testing-fixtures/kafka-contract-context.ts', import.meta.url);

describeSourceContract({
  name: 'KafkaSource',
  guarantees: ['exactly-once'],
  contextModule,
  exportName: 'sourceContext',
});

describeSinkContract({
  name: 'KafkaSink',
  guarantees: ['exactly-once', 'at-least-once'],
  contextModule,
  exportName: 'sinkContext',
});
