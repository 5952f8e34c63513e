import { readdirSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';

/**
 * The docs' rule for code: every TypeScript/JavaScript block on a page is a generated copy of a
 * `#region` of a file that runs in `pnpm test` — it sits between `<!-- snippet:<name>:start -->`
 * and `<!-- snippet:<name>:end -->`, and the page is kept current by a `syncDocSections` test
 * (core/src/testing/doc-sections.ts). The site build fails on any other such block.
 */

/** `<!-- snippet:name:start -->` (core's syncDocSections) or `<!-- generated:snippet-name:start -->` (metrics' generator). */
const SNIPPET_START = /^<!-- (?:snippet:|generated:snippet-)([\w-]+):start -->/;
const SNIPPET_END = /^<!-- (?:snippet:|generated:snippet-)[\w-]+:end -->/;
/** Tests that keep snippet sections of docs current: core's syncDocSections, metrics' renderDocsSections. */
const SYNC_TEST = /\b(syncDocSections|renderDocsSections)\b/;

const CODE_LANGUAGES = new Set(['ts', 'typescript', 'tsx', 'mts', 'cts', 'js', 'javascript', 'mjs', 'jsx']);

export interface UntestedBlock {
  /** Page path relative to docs/. */
  readonly page: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly reason: string;
}

/** Code blocks of `markdown` in a checked language that sit outside snippet markers. */
export function untestedCodeBlocks(page: string, markdown: string): UntestedBlock[] {
  const out: UntestedBlock[] = [];
  let snippet: string | undefined;
  let fence: string | undefined;
  markdown.split('\n').forEach((text, i) => {
    if (fence !== undefined) {
      if (text.trimStart().startsWith(fence)) fence = undefined;
      return;
    }
    const start = SNIPPET_START.exec(text);
    if (start) snippet = start[1];
    if (SNIPPET_END.test(text)) snippet = undefined;
    const open = /^\s*(`{3,}|~{3,})\s*([\w-]*)/.exec(text);
    if (!open) return;
    fence = open[1];
    const lang = (open[2] ?? '').toLowerCase();
    if (CODE_LANGUAGES.has(lang) && snippet === undefined) {
      out.push({ page, line: i + 1, reason: `\`\`\`${lang} block outside <!-- snippet:… --> markers` });
    }
  });
  return out;
}

/** Docs pages (relative paths) that some `syncDocSections` test keeps current. */
export function pagesCheckedByTests(repoRoot: string): Set<string> {
  const checked = new Set<string>();
  const skip = new Set(['node_modules', 'dist', '.git', '.turbo', '.tributary', 'docs']);
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (skip.has(entry.name) || entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.test.ts')) {
        const source = readFileSync(path, 'utf8');
        if (!SYNC_TEST.test(source)) continue;
        for (const m of source.matchAll(/docs\/([\w/.-]+\.md)/g)) checked.add(m[1] as string);
      }
    }
  };
  walk(repoRoot);
  return checked;
}

/** Every violation of the rule across `docsDir` (see the module comment). */
export function findUntestedCodeBlocks(repoRoot: string, docsDir: string): UntestedBlock[] {
  const checked = pagesCheckedByTests(repoRoot);
  const pages = (readdirSync(docsDir, { recursive: true }) as string[])
    .map((file) => file.split(sep).join('/'))
    .filter((file) => file.endsWith('.md') && !file.split('/').some((part) => part.startsWith('.')))
    // The API reference is generated from the declarations themselves.
    .filter((file) => !file.startsWith('api/'));
  const out: UntestedBlock[] = [];
  for (const page of pages.sort()) {
    const markdown = readFileSync(join(docsDir, page), 'utf8');
    out.push(...untestedCodeBlocks(page, markdown));
    const hasSnippets = markdown.split('\n').some((line) => SNIPPET_START.test(line));
    if (hasSnippets && !checked.has(page)) {
      out.push({
        page,
        line: 1,
        reason: 'has snippet markers, but no syncDocSections test checks this page',
      });
    }
  }
  return out;
}

/**
 * Blocks written before the site existed that are not yet copies of tested regions, per page. The
 * count may only shrink: a page with more untested blocks fails, and so does a page with fewer (so
 * the number is lowered as blocks are converted). New pages get none.
 */
export const LEGACY_UNTESTED_BLOCKS: Readonly<Record<string, number>> = {};

/** Violations beyond {@link LEGACY_UNTESTED_BLOCKS}, plus baseline entries that are too high. */
export function checkCodeBlocks(
  repoRoot: string,
  docsDir: string,
  legacy: Readonly<Record<string, number>> = LEGACY_UNTESTED_BLOCKS,
): UntestedBlock[] {
  const all = findUntestedCodeBlocks(repoRoot, docsDir);
  const out: UntestedBlock[] = [];
  const pages = new Set([...all.map((b) => b.page), ...Object.keys(legacy)]);
  for (const page of [...pages].sort()) {
    const blocks = all.filter((b) => b.page === page);
    const outside = blocks.filter((b) => b.reason.startsWith('```'));
    const allowed = legacy[page] ?? 0;
    out.push(...blocks.filter((b) => !b.reason.startsWith('```')));
    if (outside.length > allowed) out.push(...outside);
    else if (outside.length < allowed) {
      out.push({
        page,
        line: 1,
        reason: `has ${outside.length} untested blocks but LEGACY_UNTESTED_BLOCKS allows ${allowed}: lower the number`,
      });
    }
  }
  return out;
}

export function formatUntestedBlocks(blocks: readonly UntestedBlock[]): string {
  return blocks.map((b) => `  docs/${b.page}:${b.line}: ${b.reason}`).join('\n');
}
