import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * A package README is read inside node_modules and on npmjs.com, where nothing outside the
 * package exists: links must be absolute URLs or stay inside the package. Packages are found
 * from pnpm-workspace.yaml, so packages added later are checked too.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function workspacePackageDirs(): string[] {
  const yaml = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  const block = yaml.split(/^packages:\s*$/m)[1]?.split(/^\S/m)[0] ?? '';
  const globs = [...block.matchAll(/^\s*-\s*['"]?([^'"\s]+)['"]?\s*$/gm)].map((m) => m[1] as string);
  return globs.flatMap((glob) => {
    if (!glob.endsWith('/*')) return [join(root, glob)];
    const parent = join(root, glob.slice(0, -2));
    if (!existsSync(parent)) return [];
    return readdirSync(parent, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => join(parent, d.name));
  });
}

function publishablePackageDirs(): string[] {
  return workspacePackageDirs().filter((dir) => {
    const file = join(dir, 'package.json');
    return existsSync(file) && JSON.parse(readFileSync(file, 'utf8')).private !== true;
  });
}

/** Link targets of inline links, images and reference definitions, without code spans/blocks. */
function linkTargets(markdown: string): string[] {
  const prose = markdown.replace(/^(```|~~~)[\s\S]*?^\1/gm, '').replace(/`[^`\n]*`/g, '');
  const inline = [...prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)];
  const refs = [...prose.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$/gm)];
  const html = [...prose.matchAll(/\b(?:href|src)\s*=\s*["']([^"']+)["']/g)];
  return [...inline, ...refs, ...html].map((m) => m[1] as string);
}

/** The links of a README in `packageDir` that point outside the package. */
function linksLeavingPackage(markdown: string, packageDir: string): string[] {
  return linkTargets(markdown).filter((target) => {
    if (/^[a-z][a-z\d+.-]*:/i.test(target) || target.startsWith('#')) return false; // URL or anchor
    if (target.startsWith('/')) return true; // site-relative: means nothing inside node_modules
    const path = target.split(/[?#]/)[0] as string;
    const rel = relative(packageDir, resolve(packageDir, path));
    return rel.startsWith('..') || isAbsolute(rel);
  });
}

describe('package READMEs stand alone', () => {
  it('finds the link checker catching links that leave a package', () => {
    const md = [
      'See [docs](../docs/x.md), [root](../../README.md), ![img](/logo.png), [ok](./CHANGELOG.md),',
      '[site](https://github.com/tributary-dev/tributary#readme), [anchor](#install),',
      '`[code](../in-code.md)`',
      '```md',
      '[block](../in-block.md)',
      '```',
      '[ref]: ../ref.md',
      '<a href="../html.md">x</a>',
    ].join('\n');
    expect(linksLeavingPackage(md, join(root, 'connectors/files'))).toEqual([
      '../docs/x.md',
      '../../README.md',
      '/logo.png',
      '../ref.md',
      '../html.md',
    ]);
  });

  const packages = publishablePackageDirs();

  it('finds every publishable workspace package', () => {
    const names = packages.map((dir) => relative(root, dir));
    expect(names).toEqual(
      expect.arrayContaining(['core', 'metrics', 'e2e', 'connectors/kafka', 'formats/json']),
    );
  });

  it.each(packages.map((dir) => [relative(root, dir), dir]))(
    '%s has a README without links leaving the package',
    (_, dir) => {
      const readme = join(dir, 'README.md');
      expect(existsSync(readme), `${readme} is missing`).toBe(true);
      const text = readFileSync(readme, 'utf8');
      expect(linksLeavingPackage(text, dir)).toEqual([]);
      // Stands alone: says how to install the package it documents.
      const name = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name as string;
      expect(text).toMatch(new RegExp(`(npm install|pnpm add)[^\\n]*${name.replace('/', '\\/')}`));
    },
  );
});
