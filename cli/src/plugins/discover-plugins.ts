import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TributaryPlugin } from '@tributary/core';

/** An installed package that declares itself a Tributary plugin in its package.json. */
export interface InstalledPlugin {
  readonly packageName: string;
  readonly version: string;
  readonly kind: 'connector' | 'format';
  readonly plugin: TributaryPlugin;
}

/** What a package.json announces: `"tributary": { "plugin": "connector" }`. */
interface PackageManifest {
  readonly name?: string;
  readonly version?: string;
  readonly tributary?: { readonly plugin?: unknown };
}

/**
 * Finds connector and format packages installed next to the CLI (global `npm i -g`, or a
 * project's node_modules) and next to the working directory. A package counts when its
 * package.json has `"tributary": { "plugin": "connector" | "format" }` and its main entry exports
 * `tributaryPlugin`. The first copy of a package name wins (closest to the CLI first).
 */
export async function discoverPlugins(roots: readonly string[] = defaultRoots()): Promise<InstalledPlugin[]> {
  const found = new Map<string, { dir: string; manifest: PackageManifest; kind: 'connector' | 'format' }>();
  for (const modules of nodeModulesDirs(roots)) {
    for (const dir of packageDirs(modules)) {
      const manifest = readManifest(dir);
      const kind = manifest?.tributary?.plugin;
      if (!manifest?.name || (kind !== 'connector' && kind !== 'format') || found.has(manifest.name))
        continue;
      found.set(manifest.name, { dir, manifest, kind });
    }
  }
  const plugins: InstalledPlugin[] = [];
  for (const [packageName, { dir, manifest, kind }] of found) {
    const entry = entryOf(dir);
    const loaded = (await import(pathToFileURL(entry).href)) as { tributaryPlugin?: TributaryPlugin };
    if (!loaded.tributaryPlugin) continue;
    plugins.push({ packageName, version: manifest.version ?? '0.0.0', kind, plugin: loaded.tributaryPlugin });
  }
  return plugins.sort((a, b) => a.plugin.name.localeCompare(b.plugin.name));
}

/** The CLI's own package directory and the working directory. */
function defaultRoots(): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  return [here, process.cwd()];
}

/** Every `node_modules` directory from each root up to the file system root, without repeats. */
function nodeModulesDirs(roots: readonly string[]): string[] {
  const seen = new Set<string>();
  const dirs: string[] = [];
  for (const root of roots) {
    let dir = root;
    for (;;) {
      const candidate = dir.endsWith('node_modules') ? dir : join(dir, 'node_modules');
      if (existsSync(candidate)) {
        const real = realpathSync(candidate);
        if (!seen.has(real)) {
          seen.add(real);
          dirs.push(candidate);
        }
      }
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return dirs;
}

function packageDirs(modules: string): string[] {
  const dirs: string[] = [];
  for (const name of safeReaddir(modules)) {
    if (name.startsWith('.')) continue;
    if (name.startsWith('@')) {
      for (const inner of safeReaddir(join(modules, name))) dirs.push(join(modules, name, inner));
    } else {
      dirs.push(join(modules, name));
    }
  }
  return dirs;
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function readManifest(dir: string): PackageManifest | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageManifest;
  } catch {
    return undefined;
  }
}

/** The package's ESM entry (`exports['.'].import`, else `main`), resolved to a real path. */
function entryOf(dir: string): string {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    exports?: Record<string, unknown>;
    main?: string;
  };
  const dot = manifest.exports?.['.'];
  const target =
    typeof dot === 'string'
      ? dot
      : typeof dot === 'object' && dot !== null
        ? ((dot as Record<string, unknown>).import ?? (dot as Record<string, unknown>).default)
        : manifest.main;
  return realpathSync(join(dir, typeof target === 'string' ? target : 'index.js'));
}
