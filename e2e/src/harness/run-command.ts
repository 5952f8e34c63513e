import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { TributaryError } from '@tributary/core';
import { E2eErrorCodes } from './e2e-errors.js';

/** Output of a finished command. */
export interface CommandOutput {
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a short command (`initdb`, `mariadb-install-db`, `apt-get`) to completion with a
 * deadline; a non-zero exit becomes a `TRIB_E2E_SYSTEM_SERVICE_FAILED` error carrying the output.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: {
    readonly timeoutMs?: number;
    readonly env?: NodeJS.ProcessEnv;
    readonly cwd?: string;
    /** Run as this user/group (the harness must be root), e.g. `initdb`, which refuses root. */
    readonly uid?: number;
    readonly gid?: number;
  } = {},
): Promise<CommandOutput> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      [...args],
      {
        timeout: options.timeoutMs ?? 60_000,
        env: options.env ?? process.env,
        maxBuffer: 32 * 1024 * 1024,
        ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
        ...(options.uid === undefined ? {} : { uid: options.uid }),
        ...(options.gid === undefined ? {} : { gid: options.gid }),
      },
      (error, stdout, stderr) => {
        if (error === null) return resolve({ stdout, stderr });
        const output = `${stdout}\n${stderr}`.trim().split('\n').slice(-30).join('\n');
        reject(
          new TributaryError(
            E2eErrorCodes.SYSTEM_SERVICE_FAILED,
            `${command} ${args.join(' ')} failed: ${error.message}\n${output}`,
            { cause: error, context: { command } },
          ),
        );
      },
    );
  });
}

/** True when an executable exists at `path`. */
export function hasExecutable(path: string): boolean {
  return existsSync(path);
}

/** True when this process may install packages (root). */
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * Installs Debian packages with apt-get (used on a fresh CI machine when a database server's
 * binaries are missing). Runs `apt-get update` first only when the install fails for lack of package lists.
 */
export async function aptInstall(packages: readonly string[], log: (message: string) => void): Promise<void> {
  if (!isRoot() || !existsSync('/usr/bin/apt-get')) {
    throw new TributaryError(
      E2eErrorCodes.SYSTEM_SERVICE_FAILED,
      `${packages.join(', ')} is not installed and cannot be installed automatically here (needs root and apt-get); install it, e.g. \`sudo apt-get install -y ${packages.join(' ')}\``,
      { context: { packages } },
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = ['install', '-y', '--no-install-recommends', ...packages];
  log(`installing ${packages.join(', ')} with apt-get (first run on this machine only)`);
  try {
    await runCommand('apt-get', install, { env, timeoutMs: 15 * 60_000 });
  } catch {
    await runCommand('apt-get', ['update'], { env, timeoutMs: 10 * 60_000 });
    await runCommand('apt-get', install, { env, timeoutMs: 15 * 60_000 });
  }
}
