import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '../..');

/** The packages a user installs for files → files pipelines, plus their workspace dependencies. */
const PACKAGES = ['core', 'cli', 'connectors/files', 'formats/csv', 'formats/json', 'formats/parquet'];

/**
 * Installs the CLI as a user would: `pnpm pack` of each package (workspace ranges become
 * versions), then `npm install` of the tarballs into a fresh directory outside the workspace.
 * The install is cached by a hash of the packed inputs (dist + package.json), so every CLI test
 * file of a run (and reruns without changes) share one install.
 */
export async function installedCli(): Promise<{ readonly dir: string; readonly bin: string }> {
  const hash = inputsHash();
  const root = join(tmpdir(), 'tributary-cli-e2e');
  const dir = join(root, hash);
  const bin = join(dir, 'node_modules', '.bin', 'tributary');
  if (existsSync(join(dir, '.complete'))) return { dir, bin };
  const staging = `${dir}.${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(staging, 'tarballs'), { recursive: true });
  for (const pkg of PACKAGES) {
    await run('pnpm', ['pack', '--pack-destination', join(staging, 'tarballs')], {
      cwd: join(repoRoot, pkg),
    });
  }
  writeFileSync(
    join(staging, 'package.json'),
    JSON.stringify({ name: 'cli-user', private: true, type: 'module' }),
  );
  const tarballs = readdirSync(join(staging, 'tarballs')).map((f) => `./tarballs/${f}`);
  await run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      '--prefer-offline',
      '--no-package-lock',
      ...tarballs,
    ],
    { cwd: staging, maxBuffer: 16 * 1024 * 1024 },
  );
  writeFileSync(join(staging, '.complete'), '');
  rmSync(dir, { recursive: true, force: true });
  try {
    renameSync(staging, dir);
  } catch (error) {
    // Another test file finished the same install first: use that one.
    if (!existsSync(join(dir, '.complete'))) throw error;
    rmSync(staging, { recursive: true, force: true });
  }
  return { dir, bin };
}

function inputsHash(): string {
  const hash = createHash('sha256');
  for (const pkg of PACKAGES) {
    const dist = join(repoRoot, pkg, 'dist');
    if (!existsSync(dist)) throw new Error(`${pkg}/dist is missing: run \`pnpm build\` before the CLI tests`);
    hash.update(readFileSync(join(repoRoot, pkg, 'package.json')));
    for (const file of walk(dist)) hash.update(file).update(readFileSync(file));
    if (pkg === 'cli') hash.update(readFileSync(join(repoRoot, pkg, 'bin', 'tributary.js')));
  }
  return hash.digest('hex').slice(0, 16);
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path));
    else out.push(path);
  }
  return out;
}

/** A started `tributary` process with its output collected. */
export interface CliProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
  /** Waits until stdout has a JSON line matching `test` (polled, with a deadline). */
  waitForLine(
    test: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
}

const started = new Set<ChildProcess>();

/** Kills (SIGKILL) every started CLI process that still runs: a failed test leaves none behind. */
export function killStartedClis(): void {
  for (const child of started)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  started.clear();
}

/** Starts the installed binary in `cwd` (a user's working directory). */
export function startCli(
  bin: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): CliProcess {
  const child = spawn(bin, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  started.add(child);
  const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async waitForLine(test, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        for (const line of out.split('\n')) {
          if (!line.startsWith('{')) continue;
          const parsed = JSON.parse(line) as Record<string, unknown>;
          if (test(parsed)) return parsed;
        }
        if (child.exitCode !== null) throw new Error(`tributary exited (${child.exitCode}):\n${out}\n${err}`);
        if (Date.now() > deadline)
          throw new Error(`no matching line within ${timeoutMs} ms:\n${out}\n${err}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}
