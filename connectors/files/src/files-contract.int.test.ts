/**
 * The `@tributary/e2e` contract suites against the files connector: bounded read/write, stop with
 * savepoint and resume, rescale, SIGKILL crash recovery and the metrics conformance check; the
 * source also unbounded (continuous monitoring, new files appearing while it runs), as its
 * context declares.
 */
import { describeSinkContract, describeSourceContract } from '@tributary/e2e/contract';

const contextModule = new URL('./testing-fixtures/files-contract-context.ts', import.meta.url);

describeSourceContract({
  name: 'FileSource',
  guarantees: ['exactly-once'],
  contextModule,
  exportName: 'sourceContext',
});

describeSinkContract({
  name: 'FileSink',
  guarantees: ['exactly-once', 'at-least-once'],
  contextModule,
  exportName: 'sinkContext',
});
