/**
 * The `@tributary/e2e/contract` source suite on the harness MariaDB: snapshot-only (bounded) and
 * snapshot-then-binlog (unbounded) runs, savepoints, rescaling, and SIGKILLs mid-stream.
 */
import { describeSourceContract } from '@tributary/e2e/contract';

describeSourceContract({
  name: 'MySqlCdcSource (mariadb)',
  guarantees: ['exactly-once'],
  contextModule: new URL('../testing-fixtures/contract-context.ts', import.meta.url),
  exportName: 'sourceContext',
  recordsPerSplit: 200,
  // Three kills keep the suite's CI cost near two minutes; the unbounded case adds two more.
  crash: { kills: 3 },
});
