/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireSystemChromium } from '@tributary/e2e';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listPages } from '../docs/sidebar.js';
import { ensureSiteBuilt } from '../docs/site-build.js';
import { type StaticSite, serveStatic } from '../docs/static-server.js';

/**
 * The documentation site as a reader sees it: the built site (docs/.vitepress/dist, built here
 * when missing or stale) served locally and driven by the system's headless Chromium. Every page
 * — the sidebar's and every page a link reaches — loads without console errors or requests
 * leaving the machine, has a title and a heading, and every internal link and anchor resolves.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const reports = join(root, '.reports');

interface Visited {
  readonly status: number;
  readonly ids: ReadonlySet<string>;
}

/** `/connectors/kafka.html` and `/connectors/kafka` are one page. */
function pageKey(url: URL): string {
  const path = url.pathname.replace(/\.html$/, '').replace(/\/index$/, '/');
  return path === '' ? '/' : path;
}

describe('documentation site in headless Chromium', () => {
  let browser: Browser;
  let site: StaticSite;
  // Collected by every open page; each test starts with empty lists.
  let problems: string[] = [];
  let external: string[] = [];
  beforeEach(() => {
    problems = [];
    external = [];
  });

  beforeAll(async () => {
    const executablePath = requireSystemChromium();
    const { dist } = ensureSiteBuilt(root);
    site = await serveStatic(dist);
    browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
    mkdirSync(reports, { recursive: true });
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  async function openPage(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`${page.url()}: console error: ${msg.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`${page.url()}: page error: ${error.message}`));
    // Offline by design: nothing may be fetched from anywhere but the site itself.
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(site.url) || url.startsWith('data:')) return route.continue();
      external.push(url);
      return route.abort();
    });
    return page;
  }

  it('every page loads cleanly, with a title, a heading and working links and anchors', async () => {
    const page = await openPage();
    const queue = ['/', ...listPages(join(root, 'docs')).map((p) => `/${p.path}`)];
    const visited = new Map<string, Visited>();
    const links: Array<{ from: string; to: URL }> = [];
    while (queue.length > 0) {
      const target = new URL(queue.shift() as string, site.url);
      const key = pageKey(target);
      if (visited.has(key)) continue;
      const response = await page.goto(target.href, { waitUntil: 'load' });
      const status = response?.status() ?? 0;
      const info = await page.evaluate(() => ({
        title: document.title,
        heading: document.querySelector('h1')?.textContent?.trim() ?? '',
        ids: [...document.querySelectorAll('[id]')].map((el) => el.id),
        hrefs: [...document.querySelectorAll('a[href]')].map((a) => (a as HTMLAnchorElement).href),
        brokenImages: [...document.images]
          .filter((img) => img.complete && img.naturalWidth === 0)
          .map((img) => img.src),
      }));
      visited.set(key, { status, ids: new Set(info.ids) });
      if (status !== 200) problems.push(`${key}: HTTP ${status}`);
      if (!info.title.trim()) problems.push(`${key}: no <title>`);
      if (!info.heading) problems.push(`${key}: no <h1>`);
      for (const src of info.brokenImages) problems.push(`${key}: broken image ${src}`);
      for (const href of info.hrefs) {
        const to = new URL(href);
        if (to.origin !== site.url || /\.(svg|png|txt|json)$/.test(to.pathname)) continue;
        links.push({ from: key, to });
        if (!visited.has(pageKey(to))) queue.push(to.pathname);
      }
    }
    await page.close();
    for (const { from, to } of links) {
      const target = visited.get(pageKey(to));
      if (target?.status !== 200) problems.push(`${from}: broken link ${to.pathname}`);
      else if (to.hash && !target?.ids.has(decodeURIComponent(to.hash.slice(1)))) {
        problems.push(`${from}: broken anchor ${to.pathname}${to.hash}`);
      }
    }
    expect(visited.size).toBeGreaterThanOrEqual(listPages(join(root, 'docs')).length);
    expect(problems).toEqual([]);
    expect(external).toEqual([]);
  }, 600_000);

  it('search for "transaction" finds the Kafka connector page', async () => {
    const page = await openPage();
    await page.goto(`${site.url}/`, { waitUntil: 'load' });
    await page
      .getByRole('button', { name: /search/i })
      .first()
      .click();
    await page.locator('#localsearch-input').fill('transaction');
    const results = page.locator('.VPLocalSearchBox a.result');
    await results.first().waitFor({ timeout: 15_000 });
    const hrefs = await results.evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).pathname));
    expect(hrefs.some((href) => href.startsWith('/connectors/kafka'))).toBe(true);
    await page.close();
    expect(problems).toEqual([]);
    expect(external).toEqual([]);
  }, 120_000);

  it('screenshots the home page and the Kafka connector page into .reports/', async () => {
    const page = await openPage();
    for (const [path, file] of [
      ['/', 'docs-home.png'],
      ['/connectors/kafka', 'docs-connector-kafka.png'],
    ] as const) {
      await page.goto(`${site.url}${path}`, { waitUntil: 'load' });
      const shot = await page.screenshot({ path: join(reports, file), fullPage: false });
      expect(shot.byteLength).toBeGreaterThan(10_000);
    }
    await page.close();
    expect(problems).toEqual([]);
    expect(external).toEqual([]);
  }, 120_000);
});
