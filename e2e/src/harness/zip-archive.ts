import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withFileLock } from './file-lock.js';
import { runCommand } from './run-command.js';

/**
 * Extracts `zip` into `destination` once (a marker file records success; a half-done extraction
 * is redone), under a file lock. Uses `unzip`, which keeps the executable bits of scripts; without
 * it falls back to the JDK's `jar` and marks `bin/*` executable itself.
 */
export async function extractZipOnce(
  zip: string,
  destination: string,
  executableDirs: readonly string[] = [],
): Promise<void> {
  const marker = join(destination, '.extracted');
  if (existsSync(marker)) return;
  await withFileLock(
    destination,
    async () => {
      if (existsSync(marker)) return;
      rmSync(destination, { recursive: true, force: true });
      mkdirSync(destination, { recursive: true });
      if (existsSync('/usr/bin/unzip')) {
        await runCommand('unzip', ['-q', '-o', zip, '-d', destination], { timeoutMs: 10 * 60_000 });
      } else {
        await runCommand('jar', ['xf', zip], { cwd: destination, timeoutMs: 10 * 60_000 });
        for (const dir of executableDirs) {
          await runCommand('chmod', ['-R', 'a+x', join(destination, dir)]);
        }
      }
      writeFileSync(marker, `${new Date().toISOString()}\n`);
    },
    { timeoutMs: 15 * 60_000, what: `extraction of ${zip}` },
  );
}
