import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * The system Chromium for browser tests (Debian's `chromium` package), driven by playwright-core
 * without downloading a browser. `CHROMIUM_PATH` wins; kept in one small module so every browser
 * test finds the binary the same way.
 */
export function chromiumPath(): string {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return fromEnv;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      const path = execFileSync('which', [name], { encoding: 'utf8' }).trim();
      if (path && existsSync(path)) return path;
    } catch {
      // not on PATH: try the next name
    }
  }
  throw new Error(
    "no Chromium found: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH",
  );
}
