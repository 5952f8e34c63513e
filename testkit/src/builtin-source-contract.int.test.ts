import { describeSourceContract } from './source-contract-suite.js';

const contextModule = new URL('./fixtures/builtin-contract-contexts.ts', import.meta.url);

describeSourceContract({
  name: 'DataGeneratorSource',
  guarantees: ['exactly-once'],
  contextModule,
  exportName: 'dataGeneratorContext',
});

describeSourceContract({
  name: 'CollectionSource',
  guarantees: ['exactly-once', 'at-least-once'],
  contextModule,
  exportName: 'collectionContext',
});
