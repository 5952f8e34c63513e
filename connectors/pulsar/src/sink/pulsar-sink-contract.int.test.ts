/**
 * The `@tributary/e2e/contract` sink suite against the local Pulsar broker, for both guarantees,
 * crash case included (SIGKILLs between a checkpoint's storage and its commit for exactly-once).
 */
import { describeSinkContract } from '@tributary/e2e/contract';

describeSinkContract({
  name: 'PulsarSink',
  guarantees: ['exactly-once', 'at-least-once'],
  contextModule: new URL('./testing-fixtures/pulsar-sink-contract-context.ts', import.meta.url),
  exportName: 'sinkContext',
  // The savepoint and rescale cases stop a job once its output shows progress; exactly-once output
  // shows only after a checkpoint's commit. At the default 1,000 records/s a loaded machine saw the
  // job finish first ("no savepoint taken", "expected 1800 < 1800"); 400 leaves several times the
  // margin (as for Kafka).
  recordsPerSecond: 400,
});
