import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A public workspace package and where it lives. */
export interface WorkspacePackage {
  readonly name: string;
  readonly dir: string;
  readonly manifest: {
    readonly private?: boolean;
    readonly exports?: Record<string, unknown>;
    readonly scripts?: Record<string, string>;
  };
}

/** The publishable packages of the workspace at `root` (from pnpm-workspace.yaml). */
export function publicPackages(root: string): WorkspacePackage[] {
  const yaml = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  const block = yaml.split(/^packages:\s*$/m)[1]?.split(/^\S/m)[0] ?? '';
  const globs = [...block.matchAll(/^\s*-\s*['"]?([^'"\s]+)['"]?\s*$/gm)].map((m) => m[1] as string);
  const dirs = globs.flatMap((glob) => {
    if (!glob.endsWith('/*')) return [join(root, glob)];
    const parent = join(root, glob.slice(0, -2));
    return existsSync(parent)
      ? readdirSync(parent, { withFileTypes: true })
          .filter((d) => d.isDirectory())
          .map((d) => join(parent, d.name))
      : [];
  });
  return dirs
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      return { name: manifest.name as string, dir, manifest };
    })
    .filter((p) => p.manifest.private !== true);
}

/**
 * Packs every package with `pnpm pack` (workspace ranges become versions) into `destination`,
 * four at a time; returns package name → tarball path. Packages with a build must be built
 * (`pnpm build`, which `pnpm test` runs first): a missing `dist/` fails here, not in npm.
 */
export async function packAll(
  packages: readonly WorkspacePackage[],
  destination: string,
): Promise<Map<string, string>> {
  for (const p of packages) {
    if (p.manifest.scripts?.build !== undefined && !existsSync(join(p.dir, 'dist'))) {
      throw new Error(`${p.name} is not built (${p.dir}/dist missing): run pnpm build first`);
    }
  }
  const tarballs = new Map<string, string>();
  const queue = [...packages];
  const worker = async () => {
    for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
      const { stdout } = await run('pnpm', ['pack', '--pack-destination', destination], { cwd: p.dir });
      const file = stdout.trim().split('\n').at(-1)?.trim();
      if (file === undefined || !file.endsWith('.tgz')) throw new Error(`pnpm pack ${p.name}: ${stdout}`);
      tarballs.set(p.name, file.startsWith('/') ? file : join(destination, file));
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return tarballs;
}

/**
 * Points a manifest at the tarballs: every `@tributary/*` dependency it declares becomes the
 * tarball, and `overrides` pin the transitive ones too, so npm never asks the registry for a
 * Tributary package (third-party dependencies still come from the registry).
 */
export function useTarballs(
  manifest: Record<string, unknown>,
  tarballs: ReadonlyMap<string, string>,
): Record<string, unknown> {
  const spec = (name: string) => `file:${tarballs.get(name)}`;
  const next: Record<string, unknown> = { ...manifest };
  for (const field of ['dependencies', 'devDependencies', 'peerDependencies']) {
    const deps = manifest[field] as Record<string, string> | undefined;
    if (deps === undefined) continue;
    next[field] = Object.fromEntries(
      Object.entries(deps).map(([name, range]) => [
        name,
        tarballs.has(name) && field !== 'peerDependencies' ? spec(name) : range,
      ]),
    );
  }
  next.overrides = Object.fromEntries([...tarballs.keys()].map((name) => [name, spec(name)]));
  return next;
}
