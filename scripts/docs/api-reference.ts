import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { Application, Converter } from 'typedoc';
import type { WorkspacePackage } from './workspace-packages.js';

/**
 * The API reference: TypeDoc over every published package's entry points (their source, the
 * `@tributary/source` condition), rendered to Markdown by typedoc-plugin-markdown into
 * `docs/api/` — one page per entry point, named after the package and subpath.
 */

/** `@tributary/core` + `./testing` → `@tributary/core/testing`. */
export function entryName(pkg: string, subpath: string): string {
  return subpath === '.' ? pkg : `${pkg}/${subpath.replace(/^\.\//, '')}`;
}

/** TypeDoc's default module name for an entry point file under `root` (path without `/index.ts`). */
function defaultModuleName(root: string, file: string): string {
  return relative(root, file)
    .split(sep)
    .join('/')
    .replace(/(\/index)?\.ts$/, '');
}

export async function generateApiReference(
  repoRoot: string,
  packages: readonly WorkspacePackage[],
  outDir: string,
) {
  const names = new Map<string, string>();
  const entryPoints: string[] = [];
  for (const pkg of packages) {
    for (const [subpath, file] of pkg.entryPoints) {
      entryPoints.push(file);
      names.set(defaultModuleName(repoRoot, file), entryName(pkg.name, subpath));
    }
  }
  rmSync(outDir, { recursive: true, force: true });
  const app = await Application.bootstrapWithPlugins({
    entryPoints,
    entryPointStrategy: 'resolve',
    basePath: repoRoot,
    tsconfig: join(repoRoot, 'scripts/docs/typedoc.tsconfig.json'),
    plugin: ['typedoc-plugin-markdown'],
    out: outDir,
    readme: 'none',
    name: 'API reference',
    skipErrorChecking: true,
    disableSources: true,
    excludePrivate: true,
    excludeInternal: true,
    excludeExternals: true,
    validation: { notExported: false, invalidLink: false, rewrittenLink: false },
    logLevel: 'Error',
    // One page per entry point keeps the site (and the browser test) at a few dozen pages.
    outputFileStrategy: 'modules',
    entryFileName: 'index.md',
    hidePageHeader: true,
    hideBreadcrumbs: true,
    useCodeBlocks: true,
    // TypeDoc's own anchor names, so its links resolve whatever slugs the site makes of headings.
    useHTMLAnchors: true,
  } as Record<string, unknown>);
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const module of context.project.children ?? []) {
      // Commonly computed relative to the entry points' common directory; match by suffix.
      const match = [...names].find(([path]) => path === module.name || path.endsWith(`/${module.name}`));
      if (match) module.name = match[1];
    }
  });
  const project = await app.convert();
  if (!project) throw new Error('TypeDoc could not convert the packages (run with logLevel Info to see why)');
  await app.generateOutputs(project);
  mkdirSync(outDir, { recursive: true });
  // VitePress reads Markdown as Vue templates: keep `{{` in signatures literal.
  for (const file of readdirSync(outDir, { recursive: true }) as string[]) {
    if (!file.endsWith('.md')) continue;
    const path = join(outDir, file);
    const text = readFileSync(path, 'utf8');
    const escaped = text.includes('{{') ? `<div v-pre>\n\n${text}\n\n</div>\n` : text;
    writeFileSync(path, escaped);
  }
}
