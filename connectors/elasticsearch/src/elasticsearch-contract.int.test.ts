/**
 * The `@tributary/e2e/contract` suites against the local Elasticsearch: the sliced point-in-time
 * source (bounded), and the sink with ids
 * (effectively exactly-once: replays overwrite) and without (at-least-once), crash cases included.
 */
import { describeSinkContract, describeSourceContract } from '@tributary/e2e/contract';

const contextModule = new URL('./testing-fixtures/elasticsearch-contract-context.ts', import.meta.url);

describeSinkContract({
  name: 'ElasticsearchSink',
  guarantees: ['exactly-once', 'at-least-once'],
  contextModule,
  exportName: 'sinkContext',
  // A search sees writes only after a refresh, which the read-back forces; a slower stream keeps
  // the mid-stream savepoints mid-stream.
  recordsPerSecond: 400,
  // No committer, so the exactly-once crash case's "stored" kills fall back to their 5–6 s timer:
  // size the job for kills that late, or it ends before the last kill.
  crash: { maxKillDelayMs: 6000 },
});

describeSourceContract({
  name: 'ElasticsearchSource',
  guarantees: ['exactly-once'],
  contextModule,
  exportName: 'sourceContext',
});
