import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A published workspace package and the source files of its entry points. */
export interface WorkspacePackage {
  readonly name: string;
  readonly dir: string;
  readonly description: string;
  /** Export subpath (`.`, `./testing`) → source file (the `@tributary/source` condition). */
  readonly entryPoints: ReadonlyMap<string, string>;
}

const PACKAGE_GLOBS = ['core', 'metrics', 'e2e', 'connectors/*', 'formats/*'];

/** Non-private packages of the workspace, by name. */
export function workspacePackages(repoRoot: string): WorkspacePackage[] {
  const dirs = PACKAGE_GLOBS.flatMap((glob) => {
    if (!glob.endsWith('/*')) return [join(repoRoot, glob)];
    const parent = join(repoRoot, glob.slice(0, -2));
    return existsSync(parent) ? readdirSync(parent).map((d) => join(parent, d)) : [];
  });
  const out: WorkspacePackage[] = [];
  for (const dir of dirs) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as {
      name: string;
      private?: boolean;
      description?: string;
      exports?: Record<string, unknown>;
    };
    if (pkg.private) continue;
    const entryPoints = new Map<string, string>();
    for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
      const source =
        typeof target === 'object' && target
          ? (target as Record<string, unknown>)['@tributary/source']
          : undefined;
      if (typeof source === 'string' && source.endsWith('.ts')) entryPoints.set(subpath, join(dir, source));
    }
    out.push({ name: pkg.name, dir, description: pkg.description ?? '', entryPoints });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
