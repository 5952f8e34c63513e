/**
 * `@tributary/core/testing`: helpers for tests of connectors and docs. Not part of the runtime API.
 */
export { rejectionOf, thrownBy } from './caught-errors.js';
export {
  assertConnectorMetrics,
  type ConnectorMetricsCheckInput,
  ConnectorMetricsCheckOptions,
  type ConnectorMetricsProblem,
  checkConnectorMetrics,
} from './connector-metrics-check.js';
export {
  type DocSectionsReport,
  type DocSectionsSpec,
  extractRegions,
  normalizeMarkdownTables,
  renderDocSections,
  syncDocSections,
} from './doc-sections.js';
export {
  type CommitOutcome,
  FakeEnumeratorContext,
  type FakeEnumeratorContextOptions,
  fakeBatchContext,
  fakeCommitterContext,
  fakeReaderContext,
  fakeWriterContext,
  recordingCommitRequests,
} from './fake-contexts.js';
