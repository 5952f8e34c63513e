import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireSystemChromium } from '@tributary/e2e';
import { chromium } from 'playwright-core';

/**
 * Renders docs/diagrams/*.mmd (Mermaid) to SVG files next to them with the system
 * Chromium, so the site shows plain images: no diagram script in the browser, nothing fetched.
 * Run `pnpm docs:diagrams` after editing a .mmd file and commit both.
 */
const dir = fileURLToPath(new URL('../../docs/diagrams/', import.meta.url));
const mermaidScript = createRequire(import.meta.url).resolve('mermaid/dist/mermaid.min.js');

const browser = await chromium.launch({
  executablePath: requireSystemChromium(),
  headless: true,
  args: ['--no-sandbox'],
});
try {
  const page = await browser.newPage();
  await page.setContent('<!doctype html><html><body></body></html>');
  await page.addScriptTag({ path: mermaidScript });
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.mmd'))
    .sort()) {
    const source = readFileSync(join(dir, file), 'utf8');
    const id = file.replace(/\W/g, '-');
    const svg = await page.evaluate(
      async ({ id, source }) => {
        const mermaid = (
          globalThis as unknown as {
            mermaid: { initialize(c: object): void; render(id: string, s: string): Promise<{ svg: string }> };
          }
        ).mermaid;
        // SVG text labels (not HTML in foreignObject), so the file renders the same as an <img>.
        mermaid.initialize({
          startOnLoad: false,
          theme: 'neutral',
          htmlLabels: false,
          flowchart: { htmlLabels: false },
        });
        return (await mermaid.render(id, source)).svg;
      },
      { id, source },
    );
    writeFileSync(join(dir, file.replace(/\.mmd$/, '.svg')), `${svg}\n`);
    console.warn(`rendered ${file}`);
  }
} finally {
  await browser.close();
}
