/**
 * The third-party author's path, from the tarballs `npm publish` would upload: pack every public
 * package, scaffold a connector with the packed `create-tributary-connector` into a directory
 * outside the workspace, install it with npm (Tributary packages from the tarballs only), build
 * it and run its tests — contract suites and their crash loops included. Then install the test
 * kit alone (its node_modules size is printed and bounded) and each connector package alone, and
 * use what its README shows. Needs `pnpm build` first (as `pnpm test` does) and the npm registry
 * for third-party dependencies.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packAll, publicPackages, useTarballs } from './workspace-tarballs.js';

const exec = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const KIT_SIZE_LIMIT_MB = 40;

let work: string;
let tarballs: Map<string, string>;

/**
 * The environment without what pnpm (running this test) sets for its children: npm must behave
 * as in a user's shell (no `npm_config_*` from pnpm, no workspace hints).
 */
function userEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(npm_|pnpm_|FORCE_COLOR$)/i.test(key)),
  );
}

/** Runs a command; resolves with stdout + stderr (npm prints its warnings on stderr). */
async function sh(cmd: string, args: readonly string[], cwd: string, env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await exec(cmd, args, {
      cwd,
      env: { ...userEnvironment(), ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return `${stdout}\n${stderr}`;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${cmd} ${args.join(' ')} failed in ${cwd}: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`,
    );
  }
}

/** `npm install` with the flags every project here shares (one npm cache: the user's default). */
async function npmInstall(dir: string, flags: readonly string[] = []): Promise<string> {
  const out = await sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...flags], dir);
  expect(out, `npm install in ${dir} warned about engines`).not.toMatch(/EBADENGINE/);
  return out;
}

async function writeProject(dir: string, manifest: Record<string, unknown>): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(useTarballs(manifest, tarballs), null, 2)}\n`);
}

/** Kilobytes under `dir` (du counts what is on disk, hard links once). */
async function sizeKb(dir: string): Promise<number> {
  const out = await sh('du', ['-sk', dir], root);
  return Number(out.trim().split(/\s+/)[0]);
}

beforeAll(async () => {
  // Outside the workspace: no pnpm links, no workspace root above the projects.
  work = await mkdtemp(join(tmpdir(), 'trib-packed-'));
  await mkdir(join(work, 'tarballs'));
  tarballs = await packAll(publicPackages(root), join(work, 'tarballs'));
}, 300_000);

afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

// Concurrent: the installs of the kit and of the connectors overlap the scaffolded project's tests.
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
    await writeProject(dir, {
      name: 'kit-alone',
      private: true,
      type: 'module',
      devDependencies: { '@tributary/connector-testkit': '*', '@tributary/core': '*', zod: '^4.6.7' },
    });
    // Without npm's automatic peer install, so vitest (a peer) is not counted here…
    await npmInstall(dir, ['--legacy-peer-deps']);
    const kitMb = (await sizeKb(join(dir, 'node_modules'))) / 1024;
    // …and with it, as `npm install` without the flag gives.
    await npmInstall(dir);
    const withVitestMb = (await sizeKb(join(dir, 'node_modules'))) / 1024;
    process.stdout.write(
      `test kit install: kit + core + zod ${kitMb.toFixed(1)} MB; with vitest (peer) ${withVitestMb.toFixed(1)} MB\n`,
    );
    expect(kitMb).toBeLessThan(KIT_SIZE_LIMIT_MB);
  }, 600_000);

  it('installs each connector package alone and uses it as its README shows', async () => {
    const connectors = [...tarballs.keys()].filter(
      (name) => name.startsWith('@tributary/connector-') && name !== '@tributary/connector-testkit',
    );
    expect(connectors.length).toBeGreaterThanOrEqual(5);
    await Promise.all(
      connectors.map(async (name) => {
        const dir = join(work, name.replace('@tributary/', ''));
        await writeProject(dir, {
          name: `${name.slice(11)}-alone`,
          private: true,
          type: 'module',
          dependencies: { [name]: '*', ...EXAMPLE_EXTRAS[name] },
        });
        await npmInstall(dir);
      }),
    );
    for (const name of connectors) {
      const dir = join(work, name.replace('@tributary/', ''));
      const script = join(dir, 'example.mjs');
      await writeFile(script, readmeExample(name, dir));
      const out = await sh(process.execPath, [script], dir);
      expect(out, name).toContain('example ok');
    }
  }, 600_000);
});

/** What each connector's README example needs besides the connector (and core, a peer). */
const EXAMPLE_EXTRAS: Record<string, Record<string, string>> = {
  '@tributary/connector-files': { '@tributary/format-json': '*' },
};

/**
 * The README example of each connector, with what the package installs: the files connector's
 * sink example runs end to end on a local directory (format from `@tributary/format-json`, which
 * its README names); the others need their service to run, so their script imports the package
 * and checks the classes the README uses are exported.
 */
const README_CLASSES: Record<string, readonly string[]> = {
  '@tributary/connector-kafka': ['KafkaSource', 'KafkaSink', 'kafkaRecordSerializer', 'valueOnly'],
  '@tributary/connector-kinesis': ['KinesisSource', 'KinesisSink', 'kinesisRecordSerializer'],
  '@tributary/connector-elasticsearch': ['ElasticsearchSink', 'jsonLinesDeadLetterFile'],
  '@tributary/connector-jdbc': ['JdbcSink'],
};

function readmeExample(name: string, dir: string): string {
  if (name === '@tributary/connector-files') {
    return `
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BucketAssigners, FileSink } from '@tributary/connector-files';
import { CollectionSource, Pipeline, silentLogger } from '@tributary/core';
import { JsonWriterFormat } from '@tributary/format-json';
const dir = ${JSON.stringify(dir)};
const env = { logger: silentLogger };
const jsonLines = new JsonWriterFormat();
const orders = CollectionSource.of([
  { id: 1, ts: '2024-05-01T10:00:00Z', country: 'de' },
  { id: 2, ts: '2024-05-01T23:59:00Z', country: 'fr' },
  { id: 3, ts: '2024-05-02T08:30:00Z', country: 'de' },
]);
// The README's sink example:
const sink = FileSink.forFormat(join(dir, 'orders'), jsonLines, {
  bucketAssigner: BucketAssigners.hive({
    date: BucketAssigners.dateTime({ pattern: 'yyyy-MM-dd', time: { field: 'ts' } }),
    country: 'country',
  }),
  maxPartSizeBytes: 64 * 1024 * 1024,
  successMarker: { enabled: true },
});
await Pipeline.from(orders)
  .sinkTo(sink)
  .execute({ parallelism: 2, checkpointing: { intervalMs: 10_000, directory: join(dir, 'checkpoints') } }, env);
const files = (await readdir(join(dir, 'orders'), { recursive: true })).map(String);
const markers = files.filter((f) => f.endsWith('_SUCCESS')).sort();
const parts = files.filter((f) => /part-.*\\.jsonl$/.test(f));
let records = 0;
for (const part of parts) records += (await readFile(join(dir, 'orders', part), 'utf8')).split('\\n').filter(Boolean).length;
if (markers.length !== 3 || records !== 3) throw new Error('unexpected output: ' + JSON.stringify(files));
console.log('example ok', markers.join(' '));
`;
  }
  const names = README_CLASSES[name] ?? [];
  return `
import * as m from '${name}';
const missing = ${JSON.stringify(names)}.filter((n) => typeof m[n] !== 'function');
if (missing.length > 0 || Object.keys(m).length === 0) throw new Error('missing exports: ' + missing.join(', '));
console.log('example ok (import only)');
`;
}
