#!/usr/bin/env node
// Imports every built entry point of every workspace package in plain Node — no source
// condition, no bundler, no vitest transform — the way an application that installed the package
// would. Catches what type checks cannot: e.g. a named import from a CommonJS dependency that
// Node's export detection does not see, or a file missing from dist.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');
const packageDirs = [
  'core',
  'metrics',
  'testkit',
  'e2e',
  ...['clients', 'connectors', 'formats'].flatMap((group) =>
    readdirSync(join(root, group), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `${group}/${entry.name}`),
  ),
];

let failures = 0;
let imported = 0;
for (const dir of packageDirs) {
  const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
  for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
    const file = typeof target === 'object' && target !== null ? target.import : undefined;
    if (typeof file !== 'string' || !file.endsWith('.js')) continue;
    const name = `${manifest.name}${subpath === '.' ? '' : subpath.slice(1)}`;
    try {
      const module = await import(pathToFileURL(join(root, dir, file)).href);
      if (Object.keys(module).length === 0) throw new Error('exports nothing');
      imported++;
    } catch (error) {
      failures++;
      console.error(
        `[import-dist] ${name} (${join(dir, file)}): ${error instanceof Error ? error.message : error}`,
      );
    }
  }
}
console.log(`[import-dist] ${imported} entry points imported, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
