import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { TributaryError } from '@tributary/core';
import { E2eErrorCodes } from '../harness/e2e-errors.js';

/**
 * Finds the system's Chromium (Debian's `chromium` package) for `playwright-core` /
 * `puppeteer-core`: browser tests drive the distribution's browser and never download one.
 * `TRIBUTARY_CHROMIUM` names a binary explicitly and wins over the search.
 */

/** The real binaries first: Debian's `/usr/bin/chromium` is a shell wrapper around `/usr/lib/chromium/chromium`. */
const KNOWN_PATHS = ['/usr/lib/chromium/chromium', '/usr/bin/chromium', '/usr/bin/chromium-browser'];
const PATH_NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];

export interface FindChromiumOptions {
  /** Environment to read `TRIBUTARY_CHROMIUM` and `PATH` from. Default: `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Absolute paths tried before `PATH`. Default: Debian's locations. */
  readonly knownPaths?: readonly string[];
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The path of a Chromium binary, or `undefined` when none is installed. */
export function findSystemChromium(options: FindChromiumOptions = {}): string | undefined {
  const env = options.env ?? process.env;
  const explicit = env.TRIBUTARY_CHROMIUM;
  if (explicit) return isExecutable(explicit) ? explicit : undefined;
  for (const path of options.knownPaths ?? KNOWN_PATHS) if (isExecutable(path)) return path;
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of PATH_NAMES) if (isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/**
 * Like {@link findSystemChromium}, but fails with `TRIB_E2E_BROWSER_NOT_FOUND` saying how to
 * install the browser: a browser test must fail when it cannot run, never skip.
 */
export function requireSystemChromium(options: FindChromiumOptions = {}): string {
  const found = findSystemChromium(options);
  if (found) return found;
  const explicit = (options.env ?? process.env).TRIBUTARY_CHROMIUM;
  throw new TributaryError(
    E2eErrorCodes.BROWSER_NOT_FOUND,
    explicit
      ? `TRIBUTARY_CHROMIUM=${explicit} is not an executable file`
      : 'no system Chromium found: install it with `apt-get install -y chromium` (Debian) or set TRIBUTARY_CHROMIUM to a Chromium binary',
    { context: { explicit: explicit ?? null } },
  );
}
