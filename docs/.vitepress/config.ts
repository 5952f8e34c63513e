import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitepress';
import { checkCodeBlocks, formatUntestedBlocks } from '../../scripts/docs/code-blocks.js';
import { placeholdersAsText } from '../../scripts/docs/markdown-plugins.js';
import { sidebarFor } from '../../scripts/docs/sidebar.js';

/**
 * The documentation site. The sidebar comes from the pages present (scripts/docs/sidebar.ts), so a
 * new page needs no change here. Offline by design: local search, no external fonts, analytics or
 * CDNs; diagrams are SVG files in docs/diagrams (scripts/docs/render-diagrams.ts).
 */
const docsDir = fileURLToPath(new URL('../', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const building = process.argv.includes('build');

const untested = checkCodeBlocks(repoRoot, docsDir);
if (untested.length > 0) {
  const message = `TypeScript code blocks must be included from tested files (see scripts/docs/code-blocks.ts):\n${formatUntestedBlocks(untested)}`;
  if (building) throw new Error(message);
  console.warn(message);
}

export default defineConfig({
  title: 'Tributary',
  description: 'A TypeScript connector ecosystem with a unified Source/Sink API and a checkpointing runtime.',
  lang: 'en-US',
  srcExclude: ['**/README.md'],
  lastUpdated: false,
  // Anchors and page links are checked by the build (pages) and the browser test (anchors).
  ignoreDeadLinks: false,
  markdown: {
    theme: { light: 'github-light', dark: 'github-dark' },
    config: (md) => placeholdersAsText(md),
  },
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/getting-started' },
      { text: 'Connectors', link: '/connectors/kafka' },
      { text: 'API', link: '/api/' },
      { text: 'Changelog', link: '/changelog' },
    ],
    sidebar: sidebarFor(docsDir),
    search: { provider: 'local' },
    outline: { level: [2, 3] },
    socialLinks: [],
  },
});
