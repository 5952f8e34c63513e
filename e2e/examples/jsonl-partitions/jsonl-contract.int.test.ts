// #region contract-example-test
import { describeSinkContract, describeSourceContract } from '@tributary/e2e/contract';

const contextModule = new URL('./jsonl-contract-context.ts', import.meta.url);

describeSourceContract({
  name: 'jsonl-partitions',
  guarantees: ['exactly-once'],
  contextModule,
  exportName: 'sourceContext',
});

describeSinkContract({
  name: 'jsonl-partitions',
  guarantees: ['exactly-once', 'at-least-once'],
  contextModule,
  exportName: 'sinkContext',
});
// #endregion contract-example-test
