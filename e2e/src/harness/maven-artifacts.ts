import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@tributary/core';
import { TributaryError } from '@tributary/core';
import { E2eErrorCodes } from './e2e-errors.js';
import { withFileLock } from './file-lock.js';
import { artifactsDir } from './harness-paths.js';
import { tailFile } from './process-group.js';

/** One Maven coordinate, optionally with transitive dependencies to leave out. */
export interface MavenDependency {
  readonly groupId: string;
  readonly artifactId: string;
  readonly version: string;
  /** `packaging`/type when not `jar` (e.g. `zip`). */
  readonly type?: string;
  /** `groupId:artifactId` pairs to exclude (`*` allowed as artifactId). */
  readonly exclusions?: readonly string[];
}

/** A named set of artifacts resolved together into one directory. */
export interface MavenArtifactSet {
  /** Cache key and directory name, with the version in it: `kafka-3.9.2`. */
  readonly key: string;
  readonly dependencies: readonly MavenDependency[];
}

/** Options of {@link resolveMavenArtifacts}. */
export interface ResolveMavenOptions {
  readonly logger: Logger;
  readonly env?: NodeJS.ProcessEnv;
  /** Budget for the Maven run; a cold download of Pulsar is a few hundred MB. Default 15 min. */
  readonly timeoutMs?: number;
}

/**
 * Resolves `set` with Maven (`dependency:copy-dependencies` on a generated pom) into
 * `<cache>/artifacts/<key>/lib/` and returns that directory. Once a set resolved completely a
 * marker file makes later calls instant; a half-finished download is redone. A file lock keeps
 * parallel callers from running Maven twice.
 *
 * `TRIBUTARY_MVN` overrides the Maven command (default `mvn`); Maven's own settings
 * (`~/.m2/settings.xml`, mirrors, proxies) apply as usual.
 */
export async function resolveMavenArtifacts(
  set: MavenArtifactSet,
  options: ResolveMavenOptions,
): Promise<string> {
  const env = options.env ?? process.env;
  const dir = artifactsDir(set.key, env);
  const lib = join(dir, 'lib');
  const marker = join(dir, '.complete');
  if (existsSync(marker)) return lib;
  return withFileLock(
    dir,
    async () => {
      if (existsSync(marker)) return lib;
      rmSync(lib, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'pom.xml'), generatePom(set));
      const started = Date.now();
      options.logger.info(
        { service: set.key },
        `resolving artifacts with Maven into ${lib} (first run only)`,
      );
      const logFile = join(dir, 'mvn.log');
      const mvn = env.TRIBUTARY_MVN ?? 'mvn';
      const args = [
        '-B',
        '-f',
        join(dir, 'pom.xml'),
        '-l',
        logFile,
        'dependency:copy-dependencies',
        `-DoutputDirectory=${lib}`,
        '-DincludeScope=runtime',
      ];
      try {
        await new Promise<void>((resolve, reject) => {
          execFile(mvn, args, { env, timeout: options.timeoutMs ?? 15 * 60_000 }, (error) =>
            error ? reject(error) : resolve(),
          );
        });
      } catch (error) {
        throw new TributaryError(
          E2eErrorCodes.ARTIFACT_FETCH_FAILED,
          `Maven could not resolve ${set.key} (${mvn} ${args.join(' ')}):\n${tailFile(logFile, 30)}`,
          { cause: error, retriable: true, context: { artifacts: set.key, log: logFile } },
        );
      }
      const files = readdirSync(lib).filter((file) => file.endsWith('.jar') || file.endsWith('.zip'));
      if (files.length === 0) {
        throw new TributaryError(
          E2eErrorCodes.ARTIFACT_FETCH_FAILED,
          `Maven resolved nothing for ${set.key}`,
          {
            context: { artifacts: set.key, log: logFile },
          },
        );
      }
      writeFileSync(marker, `${new Date().toISOString()}\n`);
      options.logger.info(
        { service: set.key },
        `resolved ${files.length} artifacts in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      return lib;
    },
    { timeoutMs: options.timeoutMs ?? 15 * 60_000, what: `${set.key} artifacts` },
  );
}

/** The pom Maven resolves: a `pom`-packaged project whose only content is the dependency list. */
export function generatePom(set: MavenArtifactSet): string {
  const dependencies = set.dependencies
    .map((dependency) => {
      const exclusions = (dependency.exclusions ?? [])
        .map((exclusion) => {
          const [groupId, artifactId = '*'] = exclusion.split(':');
          return `        <exclusion><groupId>${groupId}</groupId><artifactId>${artifactId}</artifactId></exclusion>`;
        })
        .join('\n');
      return [
        '    <dependency>',
        `      <groupId>${dependency.groupId}</groupId>`,
        `      <artifactId>${dependency.artifactId}</artifactId>`,
        `      <version>${dependency.version}</version>`,
        ...(dependency.type === undefined ? [] : [`      <type>${dependency.type}</type>`]),
        ...(exclusions === '' ? [] : ['      <exclusions>', exclusions, '      </exclusions>']),
        '    </dependency>',
      ].join('\n');
    })
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by @tributary/e2e: the runtime class path of ${set.key}. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.tributary.e2e</groupId>
  <artifactId>${set.key.replace(/[^A-Za-z0-9_.-]/g, '-')}</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
${dependencies}
  </dependencies>
</project>
`;
}
