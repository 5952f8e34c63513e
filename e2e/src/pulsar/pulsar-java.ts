import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { javaCommand } from '../harness/java-command.js';
import { resolveMavenArtifacts } from '../harness/maven-artifacts.js';
import { createProgressLogger } from '../harness/progress-logger.js';
import { type CommandOutput, runCommand } from '../harness/run-command.js';
import { PULSAR_ARTIFACTS } from './local-pulsar-provider.js';
import { pulsarLog4j2Properties } from './pulsar-config.js';

/** A Java program run against Pulsar's own Java client (from the harness's Maven artifacts). */
export interface PulsarJavaProgram {
  /** Source of one public class whose name is `className`. */
  readonly source: string;
  readonly className: string;
  readonly args?: readonly string[];
  readonly timeoutMs?: number;
}

/**
 * Runs `program` with Java's single-file source launcher on the Pulsar broker's class path (which
 * contains the Java client): an independent reader/writer for cross-checks and test oracles.
 * Throws when it exits non-zero; returns its output otherwise.
 */
export async function runPulsarJava(program: PulsarJavaProgram): Promise<CommandOutput> {
  const lib = await resolveMavenArtifacts(PULSAR_ARTIFACTS, {
    logger: createProgressLogger({ quiet: true }),
  });
  const dir = mkdtempSync(join(tmpdir(), 'pulsar-java-'));
  const source = join(dir, `${program.className}.java`);
  const log4j = join(dir, 'log4j2.properties');
  writeFileSync(source, program.source);
  writeFileSync(log4j, pulsarLog4j2Properties('warn'));
  return runCommand(
    javaCommand(),
    ['-Xmx256m', `-Dlog4j.configurationFile=${log4j}`, '-cp', `${lib}/*`, source, ...(program.args ?? [])],
    { timeoutMs: program.timeoutMs ?? 180_000 },
  );
}
