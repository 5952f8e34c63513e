import { readdirSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';

/**
 * The site's sidebar, built from the Markdown files present in `docs/`: a page lands in a section
 * by its front matter (`section: Operations`), else by where it lives or its name. Sections keep a
 * fixed order; a new connector, format or guide page shows up without touching any config.
 */

/** Sections in sidebar order. `More` catches pages no rule places, so no page is ever hidden. */
export const SECTIONS = [
  'Getting started',
  'Concepts',
  'Connectors',
  'Formats',
  'Metrics',
  'Testing your connector',
  'Writing a connector',
  'Operations',
  'Benchmarks',
  'More',
  'API reference',
  'Changelog',
] as const;
export type Section = (typeof SECTIONS)[number];

/** Pages by path (relative to docs/, without `.md`); directories by their first segment. */
const PAGE_SECTIONS: Readonly<Record<string, Section>> = {
  'getting-started': 'Getting started',
  demo: 'Getting started',
  concepts: 'Concepts',
  builtins: 'Concepts',
  'hybrid-source': 'Concepts',
  metrics: 'Metrics',
  e2e: 'Testing your connector',
  'connector-base': 'Writing a connector',
  'async-sink': 'Writing a connector',
  cli: 'Operations',
  'scale-out': 'Operations',
  scaling: 'Operations',
  checkpoints: 'Operations',
  savepoints: 'Operations',
  monitoring: 'Operations',
  benchmarks: 'Benchmarks',
  changelog: 'Changelog',
};
const DIRECTORY_SECTIONS: Readonly<Record<string, Section>> = {
  connectors: 'Connectors',
  formats: 'Formats',
  testing: 'Testing your connector',
  guides: 'Writing a connector',
  'writing-a-connector': 'Writing a connector',
  operations: 'Operations',
  benchmarks: 'Benchmarks',
  api: 'API reference',
};
/** Pages that lead their section, in this order; the rest follow alphabetically by title. */
const LEADING_PAGES = ['getting-started', 'demo', 'concepts', 'connector-base', 'api/index'];

export interface SidebarItem {
  readonly text: string;
  readonly link?: string;
  readonly items?: SidebarItem[];
  readonly collapsed?: boolean;
}

export interface DocPage {
  /** Path relative to docs/ without `.md`, with `/` separators (`connectors/kafka`). */
  readonly path: string;
  readonly title: string;
  readonly section: Section;
}

/** Front matter `key: value` pairs (flat, unquoted or quoted strings); enough for `title` / `section`. */
export function frontMatter(markdown: string): Record<string, string> {
  const m = /^---\n([\s\S]*?)\n---\n/.exec(markdown);
  const out: Record<string, string> = {};
  for (const line of m?.[1]?.split('\n') ?? []) {
    const kv = /^([\w-]+):\s*(.*)$/.exec(line);
    if (kv?.[1] && kv[2] !== undefined) out[kv[1]] = kv[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return out;
}

/** The page's title: front matter `title`, else its first `# ` heading, else its file name. */
export function pageTitle(markdown: string, path: string): string {
  const fm = frontMatter(markdown);
  if (fm.title) return fm.title;
  const heading = /^# (.+)$/m.exec(markdown.replace(/^```[\s\S]*?^```/gm, ''));
  return heading?.[1]?.replace(/`/g, '').trim() ?? path.split('/').pop() ?? path;
}

/** The section a page belongs to (see the module comment); `undefined` for the home page. */
export function sectionOf(path: string, markdown: string): Section | undefined {
  if (path === 'index') return undefined;
  const declared = frontMatter(markdown).section;
  if (declared) {
    const known = SECTIONS.find((s) => s.toLowerCase() === declared.toLowerCase());
    if (!known)
      throw new Error(
        `docs/${path}.md: front matter section '${declared}' is not one of ${SECTIONS.join(', ')}`,
      );
    return known;
  }
  const page = PAGE_SECTIONS[path];
  if (page) return page;
  const dir = path.includes('/') ? DIRECTORY_SECTIONS[path.split('/')[0] as string] : undefined;
  return dir ?? 'More';
}

/** Every page under `docsDir` (skipping dot directories, `public/` and `README.md` files). */
export function listPages(docsDir: string): DocPage[] {
  const files = (readdirSync(docsDir, { recursive: true }) as string[])
    .map((file) => file.split(sep).join('/'))
    .filter((file) => file.endsWith('.md'))
    .filter((file) => !file.split('/').some((part) => part.startsWith('.') || part === 'node_modules'))
    .filter((file) => !file.startsWith('public/') && !file.endsWith('README.md'));
  const pages: DocPage[] = [];
  for (const file of files.sort()) {
    const markdown = readFileSync(join(docsDir, file), 'utf8');
    const path = file.slice(0, -'.md'.length);
    const section = sectionOf(path, markdown);
    if (section) pages.push({ path, title: pageTitle(markdown, path), section });
  }
  return pages;
}

function pageOrder(a: DocPage, b: DocPage): number {
  const rank = (p: DocPage) => {
    const i = LEADING_PAGES.indexOf(p.path);
    return i < 0 ? LEADING_PAGES.length : i;
  };
  return rank(a) - rank(b) || a.title.localeCompare(b.title);
}

/** Sidebar groups in {@link SECTIONS} order; empty sections are left out. */
export function buildSidebar(pages: readonly DocPage[]): SidebarItem[] {
  return SECTIONS.flatMap((section) => {
    const items = pages
      .filter((p) => p.section === section)
      .sort(pageOrder)
      .map((p) => ({ text: p.title, link: `/${p.path}` }));
    if (items.length === 0) return [];
    return [{ text: section, collapsed: section === 'API reference', items }];
  });
}

/** Convenience for the VitePress config. */
export function sidebarFor(docsDir: string): SidebarItem[] {
  return buildSidebar(listPages(docsDir));
}
