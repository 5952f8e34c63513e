// #region contract-example-test
import { describeSinkContract, describeSourceContract } from '@tributary/connector-testkit';

const contextModule = new URL('./contract-context.ts', import.meta.url);

describeSourceContract({
  name: 'partitions',
  guarantees: ['exactly-once'],
  contextModule,
  exportName: 'sourceContext',
});

describeSinkContract({
  name: 'partitions',
  guarantees: ['exactly-once', 'at-least-once'],
  contextModule,
  exportName: 'sinkContext',
});
// #endregion contract-example-test

describeSinkContract({
  name: 'partitions-async',
  guarantees: ['at-least-once'],
  contextModule,
  exportName: 'asyncSinkContext',
});
