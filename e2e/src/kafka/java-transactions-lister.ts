import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@tributary/core';
import { silentLogger } from '@tributary/core';
import { javaCommand } from '../harness/java-command.js';
import { resolveMavenArtifacts } from '../harness/maven-artifacts.js';
import { KAFKA_ARTIFACTS } from './kafka-server-config.js';

/** A transactional id as the cluster's coordinators report it. */
export interface JavaListedTransaction {
  readonly transactionalId: string;
  /** Kafka's `TransactionState` as printed: `Ongoing`, `CompleteCommit`, `Empty`, … */
  readonly state: string;
}

/**
 * A test oracle that shares no code with the connectors: every transactional id starting with
 * `prefix` that the cluster knows (any state, until `transactional.id.expiration.ms`), listed with
 * **Kafka's own Admin client** (`ListTransactions`, Kafka ≥ 3.0) from the same Maven artifacts as
 * the local broker (`ListTransactions.java`, run by source launch). Takes a few seconds (a JVM).
 */
export async function listTransactionsWithJavaAdmin(
  brokers: readonly string[],
  prefix: string,
  logger: Logger = silentLogger,
): Promise<JavaListedTransaction[]> {
  const lib = await resolveMavenArtifacts(KAFKA_ARTIFACTS, { logger });
  // Beside this module in src/; from dist/ the package's src/ copy.
  const beside = fileURLToPath(new URL('./ListTransactions.java', import.meta.url));
  const source = existsSync(beside)
    ? beside
    : fileURLToPath(new URL('../../src/kafka/ListTransactions.java', import.meta.url));
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      javaCommand(),
      [
        '-XX:TieredStopAtLevel=1',
        '-XX:+UseSerialGC',
        '-Xmx256m',
        '-cp',
        `${lib}/*`,
        source,
        brokers.join(','),
        prefix,
      ],
      { timeout: 120_000 },
      (error, out, stderr) => {
        if (error)
          reject(new Error(`Java transactions lister failed: ${error.message}\n${stderr.slice(-2000)}`));
        else resolve(out);
      },
    );
  });
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [transactionalId = '', state = ''] = line.trim().split(' ');
      return { transactionalId, state };
    })
    .sort((a, b) => a.transactionalId.localeCompare(b.transactionalId));
}
