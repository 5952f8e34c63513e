import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@tributary/core';
import { silentLogger } from '@tributary/core';
import { javaCommand } from '../harness/java-command.js';
import { resolveMavenArtifacts } from '../harness/maven-artifacts.js';
import { KAFKA_ARTIFACTS } from './kafka-server-config.js';

/** One partition as Kafka's Java consumer (`read_committed`) sees it. */
export interface JavaCommittedPartition {
  readonly partition: number;
  /** Values as UTF-8 (`null` for a tombstone), in offset order. */
  readonly values: (string | null)[];
  readonly keys: (string | null)[];
  /** The consumer's end offset under read_committed: an open transaction holds it back. */
  readonly lastStableOffset: number;
  readonly highWatermark: number;
}

/**
 * A test oracle that shares no code with the connectors: reads a whole topic up to its last
 * stable offset with **Kafka's own Java consumer** (`isolation.level=read_committed`, no group),
 * from the same Maven artifacts as the local broker (`ReadCommitted.java`, run by source launch).
 * Exactly-once tests read their output with it, so a bug in a connector's decoder or
 * aborted-transaction filter cannot hide a duplicate or a loss. Takes a few seconds (a JVM).
 */
export async function readCommittedWithJavaConsumer(
  brokers: readonly string[],
  topic: string,
  logger: Logger = silentLogger,
): Promise<JavaCommittedPartition[]> {
  const lib = await resolveMavenArtifacts(KAFKA_ARTIFACTS, { logger });
  // Beside this module in src/; from dist/ the package's src/ copy.
  const beside = fileURLToPath(new URL('./ReadCommitted.java', import.meta.url));
  const source = existsSync(beside)
    ? beside
    : fileURLToPath(new URL('../../src/kafka/ReadCommitted.java', import.meta.url));
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      javaCommand(),
      [
        '-XX:TieredStopAtLevel=1',
        '-XX:+UseSerialGC',
        '-Xmx512m',
        '-cp',
        `${lib}/*`,
        source,
        brokers.join(','),
        topic,
      ],
      { maxBuffer: 512 * 1024 * 1024, timeout: 180_000 },
      (error, out, stderr) => {
        if (error)
          reject(new Error(`Java read_committed reader failed: ${error.message}\n${stderr.slice(-2000)}`));
        else resolve(out);
      },
    );
  });
  const byPartition = new Map<
    number,
    { values: (string | null)[]; keys: (string | null)[]; lso: number; hw: number }
  >();
  const decode = (field: string | undefined): string | null =>
    field === undefined || field === '-' ? null : Buffer.from(field, 'base64').toString('utf8');
  for (const line of stdout.split('\n')) {
    const parts = line.split(' ');
    if (parts[0] === 'end') {
      byPartition.set(Number(parts[1]), {
        values: [],
        keys: [],
        lso: Number(parts[2]),
        hw: Number(parts[3]),
      });
    } else if (parts[0] === 'r') {
      const entry = byPartition.get(Number(parts[1]));
      if (!entry) throw new Error(`Java reader: record of unknown partition in "${line}"`);
      entry.keys.push(decode(parts[3]));
      entry.values.push(decode(parts[4]));
    }
  }
  return [...byPartition.entries()]
    .sort(([a], [b]) => a - b)
    .map(([partition, e]) => ({
      partition,
      values: e.values,
      keys: e.keys,
      lastStableOffset: e.lso,
      highWatermark: e.hw,
    }));
}
