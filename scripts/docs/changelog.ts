import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The site's changelog page: pending changesets (`.changeset/*.md`, what the next release will
 * say) grouped by package, followed by each package's released CHANGELOG.md once
 * `changeset version` has written them.
 */

export interface Changeset {
  readonly id: string;
  readonly releases: ReadonlyArray<{ readonly name: string; readonly bump: string }>;
  readonly summary: string;
}

/** Parses one changeset file (`---\n"@pkg": minor\n---\n\nsummary`). */
export function parseChangeset(id: string, text: string): Changeset {
  const m = /^---\n([\s\S]*?)\n?---\n([\s\S]*)$/.exec(text.replace(/\r\n/g, '\n'));
  if (!m) throw new Error(`.changeset/${id}.md: missing front matter`);
  const releases = (m[1] as string)
    .split('\n')
    .map((line) => /^\s*["']?([^"':]+)["']?\s*:\s*(major|minor|patch|none)\s*$/.exec(line))
    .filter((r) => r !== null)
    .map((r) => ({ name: r[1] as string, bump: r[2] as string }));
  return { id, releases, summary: (m[2] as string).trim() };
}

const BUMP_ORDER = ['major', 'minor', 'patch', 'none'];

/** Markdown for the changelog page. */
export function renderChangelog(
  changesets: readonly Changeset[],
  released: ReadonlyMap<string, string>,
): string {
  const lines = [
    '# Changelog',
    '',
    "Generated from the repository's [changesets](https://github.com/changesets/changesets) by `pnpm docs:build`.",
    '',
    '## Unreleased',
    '',
  ];
  const byPackage = new Map<string, Array<{ bump: string; summary: string }>>();
  for (const cs of changesets) {
    for (const r of cs.releases) {
      const list = byPackage.get(r.name) ?? [];
      list.push({ bump: r.bump, summary: cs.summary });
      byPackage.set(r.name, list);
    }
  }
  if (byPackage.size === 0) lines.push('No pending changes.', '');
  for (const name of [...byPackage.keys()].sort()) {
    lines.push(`### ${name}`, '');
    const entries = (byPackage.get(name) ?? []).sort(
      (a, b) => BUMP_ORDER.indexOf(a.bump) - BUMP_ORDER.indexOf(b.bump) || a.summary.localeCompare(b.summary),
    );
    for (const e of entries) lines.push(`- **${e.bump}**: ${e.summary.replace(/\n+/g, ' ')}`);
    lines.push('');
  }
  for (const [name, text] of [...released].sort(([a], [b]) => a.localeCompare(b))) {
    // Package changelogs start with `# @tributary/x`; nest them under one `## name` heading.
    const body = text.replace(/^# .*\n/, '').replace(/^(#+) /gm, '$1# ');
    lines.push(`## ${name} (released)`, '', body.trim(), '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/** Reads `.changeset/` and the released CHANGELOG.md of the given package directories. */
export function changelogPage(repoRoot: string, packageDirs: ReadonlyMap<string, string>): string {
  const dir = join(repoRoot, '.changeset');
  const changesets = readdirSync(dir)
    .filter((f) => f.endsWith('.md') && f !== 'README.md')
    .sort()
    .map((f) => parseChangeset(f.slice(0, -3), readFileSync(join(dir, f), 'utf8')));
  const released = new Map<string, string>();
  for (const [name, pkgDir] of packageDirs) {
    const file = join(pkgDir, 'CHANGELOG.md');
    if (existsSync(file)) released.set(name, readFileSync(file, 'utf8'));
  }
  return renderChangelog(changesets, released);
}
