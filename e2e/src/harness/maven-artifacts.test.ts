import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasErrorCode, silentLogger } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { E2eErrorCodes } from './e2e-errors.js';
import { generatePom, type MavenArtifactSet, resolveMavenArtifacts } from './maven-artifacts.js';

const set: MavenArtifactSet = {
  key: 'demo-1.0',
  dependencies: [
    {
      groupId: 'org.example',
      artifactId: 'server',
      version: '1.0',
      exclusions: ['org.bad:thing', 'org.worse'],
    },
    { groupId: 'org.example', artifactId: 'dist', version: '1.0', type: 'zip' },
  ],
};

/** A stand-in for `mvn` that records each call and "downloads" one jar into -DoutputDirectory. */
function fakeMaven(dir: string, exitCode = 0): string {
  const script = join(dir, 'fake-mvn.sh');
  writeFileSync(
    script,
    `#!/bin/sh
echo call >> "${join(dir, 'calls')}"
for arg in "$@"; do case "$arg" in -DoutputDirectory=*) out="\${arg#-DoutputDirectory=}";; esac; done
mkdir -p "$out" && touch "$out/server-1.0.jar"
exit ${exitCode}
`,
  );
  chmodSync(script, 0o755);
  return script;
}

describe('Maven artifacts', () => {
  it('generates a pom with every dependency, its type and exclusions', () => {
    const pom = generatePom(set);
    expect(pom).toContain('<artifactId>server</artifactId>');
    expect(pom).toContain('<exclusion><groupId>org.bad</groupId><artifactId>thing</artifactId></exclusion>');
    expect(pom).toContain('<exclusion><groupId>org.worse</groupId><artifactId>*</artifactId></exclusion>');
    expect(pom).toContain('<type>zip</type>');
    expect(pom).toContain('<packaging>pom</packaging>');
  });

  it('resolves once into the cache and reuses the result', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trib-mvn-'));
    const env = { ...process.env, TRIBUTARY_CACHE_DIR: join(dir, 'cache'), TRIBUTARY_MVN: fakeMaven(dir) };
    const lib = await resolveMavenArtifacts(set, { logger: silentLogger, env });
    expect(lib).toBe(join(dir, 'cache', 'artifacts', 'demo-1.0', 'lib'));
    expect(existsSync(join(lib, 'server-1.0.jar'))).toBe(true);
    expect(readFileSync(join(dir, 'cache', 'artifacts', 'demo-1.0', 'pom.xml'), 'utf8')).toContain('server');
    await resolveMavenArtifacts(set, { logger: silentLogger, env });
    expect(readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('reports a Maven failure with TRIB_E2E_ARTIFACT_FETCH_FAILED and leaves no marker', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trib-mvn-'));
    const env = { ...process.env, TRIBUTARY_CACHE_DIR: join(dir, 'cache'), TRIBUTARY_MVN: fakeMaven(dir, 1) };
    const error = await resolveMavenArtifacts(set, { logger: silentLogger, env }).catch(
      (thrown: unknown) => thrown,
    );
    expect(hasErrorCode(error, E2eErrorCodes.ARTIFACT_FETCH_FAILED)).toBe(true);
    expect(existsSync(join(dir, 'cache', 'artifacts', 'demo-1.0', '.complete'))).toBe(false);
  });
});
