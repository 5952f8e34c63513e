/**
 * The third-party author's path, from the tarballs `npm publish` would upload: pack every public
 * package, scaffold a connector with the packed `create-tributary-connector` into a directory
 * outside the workspace, install it with npm (Tributary packages from the tarballs only), build
 * it and run its tests — contract suites and their crash loops included. Then install the test
 * kit alone and the services harness with one service's client (sizes printed and bounded) and
 * run the harness's documented test from it; and install each connector package alone and run
 * the example its README shows against the local service. Needs `pnpm build` first (as
 * `pnpm test` does) and the npm registry for third-party dependencies.
 */

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useService } from '@tributary/e2e';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { npmInstall, sh, sizeMb, writeProject } from './npm-project.js';
import {
  type ExampleServices,
  README_EXAMPLES,
  type ReadmeExampleSpec,
  runnableExample,
  WITHOUT_README_EXAMPLE,
} from './readme-examples.js';
import { packAll, publicPackages, useTarballs } from './workspace-tarballs.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const KIT_SIZE_LIMIT_MB = 40;

let work: string;
let tarballs: Map<string, string>;
/** Started once for the whole file (shared with the rest of the e2e run), with their handles. */
let services: ExampleServices;

beforeAll(async () => {
  // Outside the workspace: no pnpm links, no workspace root above the projects.
  work = await mkdtemp(join(tmpdir(), 'trib-packed-'));
  await mkdir(join(work, 'tarballs'));
  // The services start (or are reused) while the packages are packed.
  const [packed, kafka, elasticsearch, kinesis, mariadb, postgres, pulsar] = await Promise.all([
    packAll(publicPackages(root), join(work, 'tarballs')),
    useService('kafka'),
    useService('elasticsearch'),
    useService('kinesis'),
    useService('mariadb'),
    useService('postgres'),
    useService('pulsar'),
  ]);
  tarballs = packed;
  services = { kafka, elasticsearch, kinesis, mariadb, postgres, pulsar };
}, 600_000);

afterAll(async () => {
  await Promise.all(Object.values(services ?? {}).map((handle) => handle.close()));
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

// Concurrent: the installs of the kit, the harness and the connectors overlap the scaffolded
// project's tests.
describe.concurrent('from packed tarballs, outside the workspace', () => {
  it('scaffolds a connector that installs, builds and passes its own tests, contract crash cases included', async () => {
    const create = tarballs.get('create-tributary-connector') as string;
    // What `npm create tributary-connector my-connector` runs: the package's bin, from npm.
    await sh(
      'npm',
      ['exec', '--yes', `--package=${create}`, '--', 'create-tributary-connector', 'my-connector'],
      work,
    );
    const dir = join(work, 'my-connector');
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    expect(manifest.name).toBe('my-connector');
    await writeFile(
      join(dir, 'package.json'),
      `${JSON.stringify(useTarballs(manifest, tarballs), null, 2)}\n`,
    );
    await npmInstall(dir);
    await sh('npm', ['run', 'build'], dir);
    expect((await readdir(join(dir, 'dist'))).sort()).toEqual(
      expect.arrayContaining(['index.d.ts', 'index.js']),
    );
    // Smoke mode for the crash loops (2 kills each): this proves the wiring, the repository's
    // e2e project runs the same template with the default kills.
    const out = await sh('npm', ['test', '--', '--reporter=verbose'], dir, {
      TRIB_CONTRACT_KILLS: '2',
      NO_COLOR: '1',
    });
    expect(out).toMatch(/survives 2 SIGKILLs of the job process mid-stream/);
    // Every test ran and passed: "Tests  N passed (N)", nothing skipped or failed.
    expect(out).toMatch(/Tests\s+(\d+) passed \(\1\)/);
  }, 900_000);

  it(`installs the test kit in under ${KIT_SIZE_LIMIT_MB} MB (without the test runner the author has anyway)`, async () => {
    const dir = join(work, 'kit-alone');
    await writeProject(
      dir,
      {
        name: 'kit-alone',
        private: true,
        type: 'module',
        devDependencies: { '@tributary/connector-testkit': '*', '@tributary/core': '*', zod: '^4.6.7' },
      },
      tarballs,
    );
    const sizes = await installWithAndWithoutPeers(dir);
    process.stdout.write(
      `test kit install: kit + core + zod ${sizes.withoutPeers.toFixed(1)} MB; with vitest (peer) ${sizes.withPeers.toFixed(1)} MB\n`,
    );
    expect(sizes.withoutPeers).toBeLessThan(KIT_SIZE_LIMIT_MB);
  }, 600_000);

  it(`installs the services harness with only Kafka's client in under ${KIT_SIZE_LIMIT_MB} MB and runs its documented test from it`, async () => {
    const dir = join(work, 'harness-kafka');
    await writeProject(
      dir,
      {
        name: 'harness-kafka',
        private: true,
        type: 'module',
        devDependencies: {
          '@tributary/e2e': '*',
          '@tributary/core': '*',
          zod: '^4.6.7',
          kafkajs: '^2.2.4',
        },
      },
      tarballs,
    );
    const sizes = await installWithAndWithoutPeers(dir);
    process.stdout.write(
      `services harness install, Kafka's client only: harness + core + zod + kafkajs ${sizes.withoutPeers.toFixed(1)} MB; with vitest (peer) ${sizes.withPeers.toFixed(1)} MB\n`,
    );
    expect(sizes.withoutPeers).toBeLessThan(KIT_SIZE_LIMIT_MB);
    for (const absent of [
      'pg',
      'mysql2',
      '@elastic/elasticsearch',
      '@aws-sdk/client-kinesis',
      'kinesalite',
      'testcontainers',
    ]) {
      expect(existsSync(join(dir, 'node_modules', absent)), `${absent} installed`).toBe(false);
    }
    // The "Using a service in a test" example of docs/e2e.md, as the author's own test file…
    const documented = await readFile(join(root, 'e2e/src/docs-examples/use-service.int.test.ts'), 'utf8');
    await writeFile(
      join(dir, 'use-service.test.ts'),
      documented.replace("'../index.js'", "'@tributary/e2e'"),
    );
    // …and a service whose client is not installed: the error names it.
    await writeFile(
      join(dir, 'missing-client.test.ts'),
      `import { E2eErrorCodes, useService } from '@tributary/e2e';
import { expect, it } from 'vitest';

it('names the client library a service needs', async () => {
  await expect(useService('postgres')).rejects.toMatchObject({
    code: E2eErrorCodes.MISSING_PEER,
    message: expect.stringContaining('npm install --save-dev pg@'),
  });
});
`,
    );
    // The first start of a service takes longer than vitest's default hook timeout.
    await writeFile(
      join(dir, 'vitest.config.mjs'),
      'export default { test: { testTimeout: 60_000, hookTimeout: 600_000 } };\n',
    );
    const vitest = join('node_modules', 'vitest', 'vitest.mjs');
    const out = await sh(process.execPath, [vitest, 'run', '--reporter=verbose'], dir, { NO_COLOR: '1' });
    expect(out).toMatch(/round-trips/);
    expect(out).toMatch(/Tests\s+2 passed \(2\)/);
  }, 600_000);

  it('installs each connector package alone and runs the example of its README against the local service', async () => {
    const connectors = [...tarballs.keys()].filter(
      (name) => name.startsWith('@tributary/connector-') && name !== '@tributary/connector-testkit',
    );
    expect(connectors.length).toBeGreaterThanOrEqual(6);
    expect(
      connectors.filter(
        (name) => README_EXAMPLES[name] === undefined && WITHOUT_README_EXAMPLE[name] === undefined,
      ),
      'connector packages with no README example wired into this test',
    ).toEqual([]);
    // Each package in its own project, all at once (one npm cache; the examples are small jobs).
    await Promise.all(
      connectors
        .filter((name) => README_EXAMPLES[name] !== undefined)
        .map((name) => runReadmeExample(name, README_EXAMPLES[name] as ReadmeExampleSpec)),
    );
    for (const name of Object.keys(WITHOUT_README_EXAMPLE)) {
      const readme = join(root, 'connectors', name.replace('@tributary/connector-', ''), 'README.md');
      const text = existsSync(readme) ? await readFile(readme, 'utf8') : '';
      expect(
        runnableExample(text),
        `${name} has a README example now: wire it into README_EXAMPLES`,
      ).toBeUndefined();
    }
  }, 900_000);
});

/**
 * Installs connector `name` alone (with what its README's install line adds) into a fresh
 * project, copies the runnable example out of the README the package ships and runs it.
 */
async function runReadmeExample(name: string, spec: ReadmeExampleSpec): Promise<void> {
  const dir = join(work, name.replace('@tributary/', ''));
  await writeProject(
    dir,
    {
      name: `${name.slice('@tributary/'.length)}-alone`,
      private: true,
      type: 'module',
      dependencies: { [name]: '*', ...spec.extras },
    },
    tarballs,
  );
  await npmInstall(dir);
  const example = runnableExample(await readFile(join(dir, 'node_modules', name, 'README.md'), 'utf8'));
  expect(example, `${name}'s README has no runnable example`).toBeDefined();
  await writeFile(join(dir, 'example.mjs'), example as string);
  const run = await spec.prepare(services, dir);
  await run.check(await sh(process.execPath, ['example.mjs'], dir, run.env));
}

/**
 * Installs the project first without npm's automatic peer install (`--legacy-peer-deps`), so the
 * test runner every author has anyway is not counted, then as a plain `npm install` does;
 * returns the node_modules size of each.
 */
async function installWithAndWithoutPeers(dir: string): Promise<{ withoutPeers: number; withPeers: number }> {
  await npmInstall(dir, ['--legacy-peer-deps']);
  const withoutPeers = await sizeMb(join(dir, 'node_modules'));
  await npmInstall(dir);
  return { withoutPeers, withPeers: await sizeMb(join(dir, 'node_modules')) };
}
