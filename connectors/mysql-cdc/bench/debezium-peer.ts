/**
 * Debezium's embedded engine (MariaDB connector) as the MySQL CDC bench's peer: its jars are resolved by Maven
 * into the harness cache (`~/.cache/tributary/artifacts/debezium-…`, first run only) and
 * `DebeziumSnapshotPeer.java` runs with Java's source launcher on them.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createJsonLogger } from '@tributary/core';
import { javaCommand, type MavenArtifactSet, resolveMavenArtifacts } from '@tributary/e2e';

/**
 * 3.5.0.Final with its MariaDB connector: Debezium 3.6.1 publishes no MariaDB connector, and its
 * MySQL connector rejects MariaDB 10.11 (it reads "10.11" as a MySQL >= 8.4 and insists on
 * `SHOW BINARY LOG STATUS`, which MariaDB does not have), so it fails its connection check.
 */
export const DEBEZIUM_VERSION = '3.5.0.Final';

const debezium = (artifactId: string) => ({ groupId: 'io.debezium', artifactId, version: DEBEZIUM_VERSION });

/**
 * slf4j API version on Debezium's class path (its Kafka Connect brings 1.7.36): the binding
 * must match it — an slf4j 2.x binding is invisible to a 1.x API, and the engine then logs nothing.
 */
const SLF4J_VERSION = '1.7.36';

/** The embedded engine with the MariaDB connector. */
export const DEBEZIUM_ARTIFACTS: MavenArtifactSet = {
  key: `debezium-embedded-mariadb-${DEBEZIUM_VERSION}-slf4j-${SLF4J_VERSION}`,
  dependencies: [
    debezium('debezium-embedded'),
    debezium('debezium-connector-mariadb'),
    { groupId: 'org.slf4j', artifactId: 'slf4j-simple', version: SLF4J_VERSION },
  ],
};

/** One snapshot run of the peer. */
export interface DebeziumSnapshotRun {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password?: string;
  readonly db: string;
  readonly table: string;
  readonly rows: number;
  readonly serverId: number;
  /** The JVM gives up after this long (default 900). */
  readonly timeoutSeconds?: number;
}

/** Resolves the jars (Maven, first run only) and returns the class path. */
export async function debeziumClassPath(): Promise<string> {
  const lib = await resolveMavenArtifacts(DEBEZIUM_ARTIFACTS, {
    logger: createJsonLogger({ level: 'warn' }),
  });
  return `${lib}/*`;
}

/**
 * Snapshots the table with the embedded engine in a fresh JVM; resolves rows/s measured inside
 * the JVM from the engine's start to the last row (JVM start-up and compilation excluded).
 */
export async function debeziumSnapshot(classPath: string, run: DebeziumSnapshotRun): Promise<number> {
  const source = fileURLToPath(new URL('./DebeziumSnapshotPeer.java', import.meta.url));
  const args = Object.entries({ ...run, connector: 'io.debezium.connector.mariadb.MariaDbConnector' })
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`);
  // BENCH_DEBEZIUM_LOG=info shows the engine's log (stderr) after each run; failures always do.
  const level = process.env.BENCH_DEBEZIUM_LOG ?? 'warn';
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      javaCommand(),
      ['-Xmx1g', `-Dorg.slf4j.simpleLogger.defaultLogLevel=${level}`, '-cp', classPath, source, ...args],
      { maxBuffer: 64 * 1024 * 1024, timeout: 20 * 60_000 },
      (error, out, stderr) => {
        if (error) reject(new Error(`Debezium peer failed: ${error.message}\n${stderr.slice(-6000)}`));
        else {
          if (level !== 'warn') process.stderr.write(stderr);
          resolve(out);
        }
      },
    );
  });
  const match = /rows=(\d+) ms=([\d.]+)/.exec(stdout);
  if (match === null) throw new Error(`Debezium peer printed no result: ${stdout.slice(-2000)}`);
  return (Number(match[1]) / Number(match[2])) * 1000;
}
