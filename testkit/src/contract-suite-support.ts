import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from '@tributary/core';
import { expect } from 'vitest';
import type { CrashLoopResult } from './child-job.js';
import type { ContractGuarantee } from './contract-context.js';
import type { ContextModule } from './contract-jobs.js';

/** Crash-test settings shared by both suites. */
export interface CrashTestOptions {
  /** SIGKILLs per crash test. Default 5; raise it for a release or a soak run. */
  readonly kills?: number;
  /** A kill lands at a random moment this long after a (re)start of the child. Default 900–1800 ms. */
  readonly minKillDelayMs?: number;
  readonly maxKillDelayMs?: number;
  /** Deadline of the whole kill loop. Default 150 s. */
  readonly timeoutMs?: number;
}

/** Options every `describe…Contract` call takes. */
export interface ContractSuiteOptions {
  /** Shown in the test names. */
  readonly name: string;
  /** Guarantees the connector claims; the suite runs once per guarantee. */
  readonly guarantees: readonly ContractGuarantee[];
  /**
   * The module exporting the context (`new URL('./my-context.ts', import.meta.url)` or a path).
   * The suite imports it in the test process, and the crash test's child process imports it too.
   */
  readonly contextModule: ContextModule;
  /** The export holding the context. Default `'default'`. */
  readonly exportName?: string;
  /** Crash-test settings, or `false` to leave the crash test out (not recommended). */
  readonly crash?: CrashTestOptions | false;
}

/** The child runner script the crash tests start. */
export const CHILD_RUNNER = fileURLToPath(
  // From source (tests, tsx) the runner is a .ts file; from the published dist/ it is .js.
  new URL(`./contract-child-runner.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url),
);

/** The module path to hand to a child process. */
export function contextModulePath(module: ContextModule): string {
  return module instanceof URL ? fileURLToPath(module) : module;
}

/**
 * Resolved crash settings. Kills: the suite's option, else `TRIB_CONTRACT_KILLS` (a smoke run,
 * e.g. a CI job that only proves a scaffolded project works), else 5.
 */
export function crashSettings(options: CrashTestOptions): Required<CrashTestOptions> {
  const fromEnv = Number(process.env.TRIB_CONTRACT_KILLS);
  return {
    kills: options.kills ?? (Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 5),
    minKillDelayMs: options.minKillDelayMs ?? 900,
    maxKillDelayMs: options.maxKillDelayMs ?? 1800,
    timeoutMs: options.timeoutMs ?? 150_000,
  };
}

/**
 * A crash test must prove its restores happened: most runs after the first resumed from a
 * checkpoint (id > 0) instead of starting over. Prints the seed and per-run summary either way.
 */
export function expectRestores(result: CrashLoopResult): void {
  process.stdout.write(`crash loop: ${result.summary}\n`);
  expect(result.restoredRuns, result.summary).toBeGreaterThanOrEqual(Math.ceil((result.runs - 1) * 0.6));
}

/** Temporary directories of one test, removed by {@link TestDirs.removeAll}. */
export class TestDirs {
  private readonly dirs: string[] = [];

  async create(prefix: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), `trib-contract-${prefix.replace(/[^a-z0-9]+/gi, '-')}-`));
    this.dirs.push(dir);
    return dir;
  }

  async removeAll(): Promise<void> {
    await Promise.all(this.dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  }
}

/** A short unique id for a test's external resources. */
export function testIdFor(name: string): string {
  const base = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 24);
  return `${base}-${Date.now().toString(36)}-${Math.floor(Math.random() * 36 ** 4).toString(36)}`;
}

/** Polls `done` every 50 ms until it returns true; throws naming `what` after `timeoutMs`. */
export async function pollUntil(
  done: () => Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}
