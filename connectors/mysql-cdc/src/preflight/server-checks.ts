/** One thing wrong with the server's setup, and how to fix it. */
export interface PreflightProblem {
  readonly check: string;
  readonly problem: string;
  readonly fix: string;
}

/** What the checks look at: global variables (lower-case names) and the user's grants. */
export interface ServerFacts {
  readonly variables: Readonly<Record<string, string>>;
  readonly grants: readonly string[];
  readonly isMariaDb: boolean;
  /** Server ids this source's readers will use. */
  readonly readerServerIds: readonly number[];
}

function hasPrivilege(grants: readonly string[], ...names: string[]): boolean {
  return grants.some((grant) => {
    const upper = grant.toUpperCase();
    if (!/ ON \*\.\* /.test(upper) && !names.includes('SELECT')) return false;
    return upper.includes('ALL PRIVILEGES') || names.some((n) => upper.includes(n));
  });
}

/**
 * Every CDC requirement the server misses, each with its fix (Debezium's and Flink CDC's
 * checklist): row-based binlog with full images, full row metadata where the server has it,
 * GTIDs (MariaDB always; MySQL recommended), no binlog compression (its events are skipped
 * by the decoder), replication and SELECT privileges, and server ids that do not clash with
 * the server's own.
 */
export function checkServer(facts: ServerFacts): PreflightProblem[] {
  const v = facts.variables;
  const problems: PreflightProblem[] = [];
  const expect = (name: string, wanted: string, fix: string) => {
    const value = v[name];
    if (value !== undefined && value.toUpperCase() !== wanted)
      problems.push({ check: name, problem: `${name} is ${value}, must be ${wanted}`, fix });
  };
  if ((v.log_bin ?? 'OFF').toUpperCase() !== 'ON')
    problems.push({
      check: 'log_bin',
      problem: 'the binary log is off',
      fix: 'start the server with log_bin = mysql-bin',
    });
  expect(
    'binlog_format',
    'ROW',
    "set binlog_format = ROW in the server's [mysqld] options (SET GLOBAL binlog_format = 'ROW' for new sessions)",
  );
  expect(
    'binlog_row_image',
    'FULL',
    'set binlog_row_image = FULL (updates and deletes must carry whole rows)',
  );
  expect(
    'binlog_row_metadata',
    'FULL',
    'set binlog_row_metadata = FULL (column names in the binlog decode rows across schema changes)',
  );
  if ((v.log_bin_compress ?? 'OFF').toUpperCase() === 'ON')
    problems.push({
      check: 'log_bin_compress',
      problem: 'binlog compression is on',
      fix: 'set log_bin_compress = OFF',
    });
  if ((v.binlog_transaction_compression ?? 'OFF').toUpperCase() === 'ON')
    problems.push({
      check: 'binlog_transaction_compression',
      problem: 'binlog transaction compression is on',
      fix: 'set binlog_transaction_compression = OFF',
    });
  if (!facts.isMariaDb && v.gtid_mode !== undefined && v.gtid_mode.toUpperCase() !== 'ON')
    problems.push({
      check: 'gtid_mode',
      problem: `gtid_mode is ${v.gtid_mode} (needed to follow a failover)`,
      fix: 'set gtid_mode = ON and enforce_gtid_consistency = ON',
    });
  if (!hasPrivilege(facts.grants, 'REPLICATION SLAVE'))
    problems.push({
      check: 'privileges',
      problem: 'the user lacks REPLICATION SLAVE',
      fix: "GRANT REPLICATION SLAVE ON *.* TO 'user'@'%'",
    });
  if (!hasPrivilege(facts.grants, 'REPLICATION CLIENT', 'BINLOG MONITOR', 'SUPER'))
    problems.push({
      check: 'privileges',
      problem: `the user lacks ${facts.isMariaDb ? 'BINLOG MONITOR (REPLICATION CLIENT)' : 'REPLICATION CLIENT'}`,
      fix: `GRANT ${facts.isMariaDb ? 'BINLOG MONITOR' : 'REPLICATION CLIENT'} ON *.* TO 'user'@'%'`,
    });
  if (!hasPrivilege(facts.grants, 'SELECT'))
    problems.push({
      check: 'privileges',
      problem: 'the user lacks SELECT on the captured tables',
      fix: "GRANT SELECT ON db.* TO 'user'@'%'",
    });
  const own = Number(v.server_id);
  if (facts.readerServerIds.includes(own))
    problems.push({
      check: 'server-id',
      problem: `reader server id ${own} is the server's own server_id`,
      fix: 'choose serverIdStart so that serverIdStart … serverIdStart + parallelism − 1 is unused by the server and its replicas',
    });
  return problems;
}

/** The one error text listing every problem and its fix. */
export function preflightMessage(problems: readonly PreflightProblem[]): string {
  return `The server is not ready for CDC (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems
    .map((p, i) => `  ${i + 1}. ${p.problem} — fix: ${p.fix}`)
    .join('\n')}`;
}
