#!/usr/bin/env node
// Type-checks every workspace package (sources and tests) in ONE TypeScript program instead of
// one `tsc` per package. Packages resolve each other from source (`@tributary/source`), so a
// `tsc` per package re-checks core and every other dependency's sources each time: over 20
// programs that each load core's 25 000 lines. One program checks each file once.
//
// A package joins the shared program when its tsconfig.json extends the base config and only
// sets `noEmit` (then its files are checked with exactly the options its own `tsc` uses); any
// other package (e.g. create-tributary-connector, which checks JavaScript) runs its own `tsc`,
// and so does the root tsconfig.json (scripts, vitest config, docs config): its browser test
// pulls in the DOM lib, which must not become global for the packages. No package declares
// globals; the ambient `declare module` shims for untyped dependencies sit in the sources of the
// packages that use them (or their tsconfig's `files`), so checking them together hides nothing.
// `pnpm --filter <pkg> typecheck` still checks one package alone.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const base = join(root, 'tsconfig.base.json');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

/** Workspace package directories (relative), from pnpm-workspace.yaml's `packages` globs. */
function workspaceDirs() {
  const yaml = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  const block = yaml.split(/^packages:\s*$/m)[1]?.split(/^\S/m)[0] ?? '';
  const globs = [...block.matchAll(/^\s*-\s*['"]?([^'"\s]+)['"]?\s*$/gm)].map((m) => m[1]);
  return globs.flatMap((glob) => {
    if (!glob.endsWith('/*')) return [glob];
    const parent = join(root, glob.slice(0, -2));
    if (!existsSync(parent)) return [];
    return readdirSync(parent, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `${glob.slice(0, -2)}/${entry.name}`);
  });
}

/** The tsconfig's paths, relative to the root, if it can join the shared program; else undefined. */
function sharedEntries(configDir, configFile) {
  const config = JSON.parse(readFileSync(join(root, configDir, configFile), 'utf8'));
  const extendsBase = config.extends !== undefined && resolve(root, configDir, config.extends) === base;
  const options = Object.keys(config.compilerOptions ?? {});
  const onlyNoEmit = options.length === 1 && config.compilerOptions.noEmit === true;
  if (!extendsBase || !onlyNoEmit || config.exclude !== undefined || config.references !== undefined)
    return undefined;
  return [...(config.include ?? []), ...(config.files ?? [])].map((entry) =>
    posix.normalize(posix.join(configDir.split('\\').join('/'), entry)),
  );
}

const shared = new Set();
const alone = [];
for (const dir of workspaceDirs()) {
  const manifestPath = join(root, dir, 'package.json');
  if (!existsSync(manifestPath)) continue;
  const script = JSON.parse(readFileSync(manifestPath, 'utf8')).scripts?.typecheck;
  if (script === undefined) continue;
  const entries = script === 'tsc -p tsconfig.json' ? sharedEntries(dir, 'tsconfig.json') : undefined;
  if (entries === undefined) alone.push({ label: dir, cwd: join(root, dir), script });
  else for (const entry of entries) shared.add(entry);
}
alone.push({ label: 'root tsconfig.json', cwd: root, script: 'tsc -p tsconfig.json' });

const generated = join(root, '.tsconfig.typecheck-all.json');
writeFileSync(
  generated,
  `${JSON.stringify({ extends: './tsconfig.base.json', compilerOptions: { noEmit: true }, include: [...shared] }, null, 2)}\n`,
);
let failed = false;
const run = (args, cwd, label) => {
  const started = Date.now();
  try {
    execFileSync(process.execPath, [tsc, ...args], { cwd, stdio: 'inherit' });
    console.log(`typecheck ${label}: ok in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch {
    console.error(`typecheck ${label}: failed`);
    failed = true;
  }
};
try {
  run(['-p', generated], root, `shared program (${shared.size} include entries)`);
} finally {
  rmSync(generated, { force: true });
}
for (const { label, cwd, script } of alone) {
  const args = script.split(/\s+/);
  if (args[0] !== 'tsc') throw new Error(`${label}: typecheck script is not a plain tsc call: ${script}`);
  run(args.slice(1), cwd, label);
}
process.exit(failed ? 1 : 0);
