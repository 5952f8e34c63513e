/**
 * The `@tributary/e2e/contract` suites on PostgreSQL, MariaDB (harness servers) and SQLite (a file
 * in the test's work directory): the source bounded (parallel range scan) and unbounded
 * (incrementing polling), the sink at-least-once everywhere and exactly-once where the database has
 * prepared transactions; crash cases included.
 */
import { describeSinkContract, describeSourceContract } from '@tributary/e2e/contract';

for (const kind of ['postgres', 'mariadb', 'sqlite'] as const) {
  const contextModule = new URL(`./testing-fixtures/contract-context-${kind}.ts`, import.meta.url);
  describeSourceContract({
    name: `JdbcSource (${kind})`,
    guarantees: ['exactly-once'],
    contextModule,
    exportName: 'sourceContext',
  });
  describeSinkContract({
    name: `JdbcSink (${kind})`,
    guarantees: kind === 'sqlite' ? ['at-least-once'] : ['exactly-once', 'at-least-once'],
    contextModule,
    exportName: 'sinkContext',
  });
}
