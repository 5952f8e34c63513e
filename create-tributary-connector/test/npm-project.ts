import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { useTarballs } from './workspace-tarballs.js';

const exec = promisify(execFile);

/**
 * The environment without what pnpm (running this test) sets for its children: npm must behave
 * as in a user's shell (no `npm_config_*` from pnpm, no workspace hints, no `NODE_PATH` into pnpm's
 * store, which would find packages the project did not install).
 */
function userEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(npm_|pnpm_|FORCE_COLOR$|NODE_PATH$)/i.test(key)),
  );
}

/** Runs a command as a user would; resolves with stdout + stderr (npm warns on stderr). */
export async function sh(
  cmd: string,
  args: readonly string[],
  cwd: string,
  env: Readonly<Record<string, string>> = {},
): Promise<string> {
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

/**
 * `npm install` with the flags every project here shares (one npm cache, the user's default,
 * preferred over the registry); fails on an engines warning.
 */
export async function npmInstall(dir: string, flags: readonly string[] = []): Promise<void> {
  const out = await sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...flags], dir);
  if (/EBADENGINE/.test(out)) throw new Error(`npm install in ${dir} warned about engines:\n${out}`);
}

/** A fresh npm project at `dir` whose `@tributary/*` packages come from `tarballs` only. */
export async function writeProject(
  dir: string,
  manifest: Record<string, unknown>,
  tarballs: ReadonlyMap<string, string>,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(useTarballs(manifest, tarballs), null, 2)}\n`);
}

/** Megabytes under `dir` (du counts what is on disk, hard links once). */
export async function sizeMb(dir: string): Promise<number> {
  const out = await sh('du', ['-sk', dir], dir);
  return Number(out.trim().split(/\s+/)[0]) / 1024;
}
