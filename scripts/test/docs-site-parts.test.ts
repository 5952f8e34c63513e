import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseChangeset, renderChangelog } from '../docs/changelog.js';
import { checkCodeBlocks, untestedCodeBlocks } from '../docs/code-blocks.js';
import { isPlaceholderHtml } from '../docs/markdown-plugins.js';
import { buildSidebar, listPages, SECTIONS, sectionOf } from '../docs/sidebar.js';
import { resolveStaticPath } from '../docs/static-server.js';

/** The site's build pieces (scripts/docs); the browser test checks the built site as a whole. */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('sidebar', () => {
  it('places pages by front matter, known name or directory, and everything else under More', () => {
    expect(sectionOf('connectors/pulsar', '# Pulsar connector')).toBe('Connectors');
    expect(sectionOf('formats/protobuf', '# Protobuf')).toBe('Formats');
    expect(sectionOf('scale-out', '# Scale-out')).toBe('Operations');
    expect(sectionOf('benchmarks', '# Benchmarks')).toBe('Benchmarks');
    expect(sectionOf('guides/sources', '# Writing a source')).toBe('Writing a connector');
    expect(sectionOf('something-new', '# New')).toBe('More');
    expect(sectionOf('something-new', '---\nsection: operations\n---\n# New')).toBe('Operations');
    expect(sectionOf('index', '---\nlayout: home\n---')).toBeUndefined();
    expect(() => sectionOf('x', '---\nsection: Nowhere\n---\n')).toThrow(/section 'Nowhere' is not one of/);
  });

  it('lists a page added to docs/ in its section, in the fixed section order', () => {
    const dir = mkdtempSync(join(tmpdir(), 'docs-sidebar-'));
    try {
      mkdirSync(join(dir, 'connectors'));
      mkdirSync(join(dir, '.vitepress'));
      writeFileSync(join(dir, 'index.md'), '---\nlayout: home\n---\n');
      writeFileSync(join(dir, 'concepts.md'), '# Concepts\n');
      writeFileSync(join(dir, 'connectors', 'pulsar.md'), '# Pulsar connector\n');
      writeFileSync(join(dir, 'connectors', 'kafka.md'), '```sh\n# not a title\n```\n# Kafka connector\n');
      writeFileSync(join(dir, '.vitepress', 'hidden.md'), '# Hidden\n');
      const sidebar = buildSidebar(listPages(dir));
      expect(sidebar.map((s) => s.text)).toEqual(['Concepts', 'Connectors']);
      expect(sidebar[1]?.items).toEqual([
        { text: 'Kafka connector', link: '/connectors/kafka' },
        { text: 'Pulsar connector', link: '/connectors/pulsar' },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('puts every page of docs/ on the sidebar, sections in their order', () => {
    const pages = listPages(join(root, 'docs'));
    const sidebar = buildSidebar(pages);
    const links = sidebar.flatMap((s) => s.items ?? []).map((i) => i.link);
    expect(links.sort()).toEqual(pages.map((p) => `/${p.path}`).sort());
    const order = sidebar.map((s) => SECTIONS.indexOf(s.text as (typeof SECTIONS)[number]));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(pages.find((p) => p.path === 'connectors/kafka')?.section).toBe('Connectors');
  });
});

describe('code block check', () => {
  it('accepts blocks between snippet markers and reports the others with their line', () => {
    const page = [
      '# Page',
      '<!-- snippet:ok:start -->',
      '```ts',
      'const a = 1;',
      '```',
      '<!-- snippet:ok:end -->',
      '```sh',
      'pnpm test',
      '```',
      '```typescript',
      'const b = 2;',
      '```',
      '````md',
      '```ts',
      'inside another fence',
      '```',
      '````',
    ].join('\n');
    expect(untestedCodeBlocks('p.md', page)).toEqual([
      { page: 'p.md', line: 10, reason: '```typescript block outside <!-- snippet:… --> markers' },
    ]);
  });

  it('passes for the repository (legacy counts exact), fails on one more or one fewer block', () => {
    const docs = join(root, 'docs');
    expect(checkCodeBlocks(root, docs)).toEqual([]);
    const none = checkCodeBlocks(root, docs, {});
    const lowered = checkCodeBlocks(root, docs, { 'metrics.md': 99 });
    if (none.length > 0) expect(none.some((b) => b.reason.startsWith('```'))).toBe(true);
    expect(lowered.some((b) => /allows 99: lower the number/.test(b.reason))).toBe(true);
  });
});

describe('changelog', () => {
  it('groups pending changesets by package, strongest bump first', () => {
    const a = parseChangeset('a', '---\n"@tributary/core": patch\n---\n\nFix a thing.\n');
    const b = parseChangeset(
      'b',
      '---\n\'@tributary/core\': minor\n"@tributary/e2e": minor\n---\n\nAdd\nthings.\n',
    );
    expect(b.releases).toEqual([
      { name: '@tributary/core', bump: 'minor' },
      { name: '@tributary/e2e', bump: 'minor' },
    ]);
    const page = renderChangelog(
      [a, b],
      new Map([['@tributary/core', '# @tributary/core\n\n## 1.0.0\n\n- x\n']]),
    );
    expect(page).toContain('### @tributary/core\n\n- **minor**: Add things.\n- **patch**: Fix a thing.\n');
    expect(page).toContain('## @tributary/core (released)\n\n### 1.0.0\n\n- x\n');
    expect(() => parseChangeset('c', 'no front matter')).toThrow(/\.changeset\/c\.md/);
  });
});

describe('markdown placeholders and static serving', () => {
  it('treats <placeholder> as text and real HTML as HTML', () => {
    expect(isPlaceholderHtml('<partPrefix>')).toBe(true);
    expect(isPlaceholderHtml('<!-- snippet:x:start -->')).toBe(false);
    expect(isPlaceholderHtml('<a id="x">')).toBe(false);
    expect(isPlaceholderHtml('</code>')).toBe(false);
  });

  const site = mkdtempSync(join(tmpdir(), 'docs-static-'));
  afterAll(() => rmSync(site, { recursive: true, force: true }));
  it('resolves clean URLs like a static host and never leaves the root', async () => {
    mkdirSync(join(site, 'connectors'));
    writeFileSync(join(site, 'index.html'), '');
    writeFileSync(join(site, 'connectors', 'kafka.html'), '');
    expect(await resolveStaticPath(site, '/')).toBe(join(site, 'index.html'));
    expect(await resolveStaticPath(site, '/connectors/kafka')).toBe(join(site, 'connectors', 'kafka.html'));
    expect(await resolveStaticPath(site, '/connectors/kafka.html')).toBe(
      join(site, 'connectors', 'kafka.html'),
    );
    expect(await resolveStaticPath(site, '/missing')).toBeUndefined();
    expect(await resolveStaticPath(site, '/../../etc/passwd')).toBeUndefined();
  });
});

describe('diagrams', () => {
  it('every Mermaid source has its rendered SVG (pnpm docs:diagrams)', () => {
    const dir = join(root, 'docs', 'diagrams');
    const sources = readdirSync(dir).filter((f) => f.endsWith('.mmd'));
    expect(sources.length).toBeGreaterThanOrEqual(4);
    for (const source of sources) {
      const svg = join(dir, source.replace(/\.mmd$/, '.svg'));
      expect(existsSync(svg), `${source} has no SVG: run pnpm docs:diagrams`).toBe(true);
      expect(readFileSync(svg, 'utf8')).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    }
  });
});
