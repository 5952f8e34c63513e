import { describeSinkContract } from './sink-contract-suite.js';

describeSinkContract({
  name: 'TwoPhaseCommitTestSink',
  guarantees: ['exactly-once', 'at-least-once'],
  contextModule: new URL('./fixtures/builtin-contract-contexts.ts', import.meta.url),
  exportName: 'twoPhaseCommitSinkContext',
});
