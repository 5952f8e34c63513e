import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';

/**
 * The built site for the browser test: reuses `docs/.vitepress/dist` when it is newer than every
 * source of the site (CI runs `pnpm docs:build` once, before the tests), else builds it.
 */
function newestSource(repoRoot: string): number {
  let newest = 0;
  const visit = (dir: string, skip: (rel: string) => boolean) => {
    for (const rel of readdirSync(dir, { recursive: true }) as string[]) {
      const path = rel.split(sep).join('/');
      if (skip(path)) continue;
      const st = statSync(join(dir, rel));
      if (st.isFile()) newest = Math.max(newest, st.mtimeMs);
    }
  };
  // Generated pages (api/, changelog.md) are rewritten by every build; their inputs are the packages.
  visit(join(repoRoot, 'docs'), (p) =>
    /^(\.vitepress\/(dist|cache)|api\/|changelog\.md$|node_modules)/.test(p),
  );
  visit(join(repoRoot, 'scripts/docs'), () => false);
  return newest;
}

export function ensureSiteBuilt(repoRoot: string): { dist: string; rebuilt: boolean } {
  const dist = join(repoRoot, 'docs/.vitepress/dist');
  const index = join(dist, 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs > newestSource(repoRoot)) return { dist, rebuilt: false };
  execFileSync('pnpm', ['docs:build'], { cwd: repoRoot, stdio: 'inherit', timeout: 9 * 60_000 });
  return { dist, rebuilt: true };
}
