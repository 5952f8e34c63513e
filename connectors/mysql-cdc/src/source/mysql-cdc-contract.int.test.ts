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
});
