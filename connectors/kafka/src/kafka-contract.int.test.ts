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
  // The savepoint and rescale cases stop a job once its output shows progress. Kafka output shows
  // only after a checkpoint's commit, and each read-back opens a cluster connection; at the
  // default 1,000 records/s a loaded machine saw the job finish first ("no savepoint taken",
  // "expected 2212 < 1800"). 400 records/s leaves the stop several times that margin.
  recordsPerSecond: 400,
});
