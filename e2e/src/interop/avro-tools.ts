import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@tributary/core';
import { javaCommand } from '../harness/java-command.js';
import { type MavenArtifactSet, resolveMavenArtifacts } from '../harness/maven-artifacts.js';

export const AVRO_TOOLS_VERSION = '1.12.0';

/** Apache Avro's command-line tools: one self-contained jar from Maven Central. */
export const AVRO_TOOLS_ARTIFACTS: MavenArtifactSet = {
  key: `avro-tools-${AVRO_TOOLS_VERSION}`,
  dependencies: [
    {
      groupId: 'org.apache.avro',
      artifactId: 'avro-tools',
      version: AVRO_TOOLS_VERSION,
      // The jar bundles its dependencies.
      exclusions: ['*:*'],
    },
  ],
};

/** The avro-tools jar, fetched with Maven on first use (cached in the harness artifacts directory). */
export async function avroToolsJar(logger: Logger): Promise<string> {
  const lib = await resolveMavenArtifacts(AVRO_TOOLS_ARTIFACTS, { logger, timeoutMs: 5 * 60_000 });
  const jar = join(lib, `avro-tools-${AVRO_TOOLS_VERSION}.jar`);
  if (!existsSync(jar)) throw new Error(`avro-tools: Maven resolved ${lib} but ${jar} is missing`);
  return jar;
}

/** Runs `java -jar avro-tools.jar <args>` and returns its stdout; rejects with its stderr when it fails. */
export function runAvroTools(jar: string, args: readonly string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(
      javaCommand(),
      // A small, quick JVM: these are one-shot conversions of small files.
      ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Xmx512m', '-jar', jar, ...args],
      { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024, timeout: 120_000 },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new Error(`avro-tools ${args[0]} failed: ${error.message}\n${stderr.toString().slice(-2000)}`),
          );
        } else resolve(stdout);
      },
    );
  });
}
