import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { requireSystemChromium } from '@tributary/e2e';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { installedCli, killStartedClis, startCli } from './installed-cli.js';

const reports = resolve(import.meta.dirname, '../../.reports');
let bin: string;
let work: string;

beforeAll(async () => {
  ({ bin } = await installedCli());
  work = mkdtempSync(join(tmpdir(), 'tributary-dashboard-'));
}, 600_000);

afterAll(() => {
  killStartedClis();
  if (work) rmSync(work, { recursive: true, force: true });
});

function csv(path: string, from: number, to: number): void {
  const rows = ['id,name'];
  for (let i = from; i <= to; i++) rows.push(`${i},name-${i}`);
  writeFileSync(path, `${rows.join('\n')}\n`);
}

it('the dashboard of `tributary run --ui` shows subtasks, checkpoints and live counts, and takes a savepoint', async () => {
  mkdirSync(join(work, 'in'));
  csv(join(work, 'in', 'a.csv'), 1, 1000);
  writeFileSync(
    join(work, 'pipeline.yaml'),
    `name: dashboard-demo
job: { parallelism: 2, checkpointing: { intervalMs: 300, directory: chk } }
source:
  connector: files
  name: orders-csv
  format: { type: csv, header: true }
  options: { paths: in, monitorIntervalMs: 100 }
processors:
  - filter: record.id !== '0'
sink:
  connector: files
  name: orders-json
  format: json
  options: { path: out }
`,
  );
  const cli = startCli(bin, ['run', 'pipeline.yaml', '--ui', '--log-format', 'json'], work);
  const browser = await chromium.launch({
    executablePath: requireSystemChromium(),
    headless: true,
    args: ['--no-sandbox'],
  });
  try {
    const { dashboard } = await cli.waitForLine((l) => typeof l.dashboard === 'string');
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    await page.goto(dashboard as string);

    await expect.poll(() => page.locator('#status').textContent(), { timeout: 30_000 }).toBe('running');
    await expect.poll(() => page.locator('#subtasks tbody tr').count(), { timeout: 30_000 }).toBe(2);
    await expect
      .poll(() => page.locator('#checkpoints tbody tr.completed').count(), { timeout: 30_000 })
      .toBeGreaterThan(0);
    await expect
      .poll(() => page.locator('[data-total="records in"]').textContent(), { timeout: 30_000 })
      .toBe('1,000');
    expect(await page.locator('#pipeline .node').count()).toBe(3);
    // Backpressure per subtask: the share of time blocked in the sink's write.
    expect(await page.locator('#subtasks tbody tr .bp').count()).toBe(2);
    expect(await page.locator('#subtasks tbody tr .bp').first().textContent()).toMatch(/^\d+%$/);

    // Counts update live: more input shows up without a reload.
    csv(join(work, 'in', 'b.csv'), 1001, 2500);
    await expect
      .poll(() => page.locator('[data-total="records in"]').textContent(), { timeout: 30_000 })
      .toBe('2,500');

    await page.locator('#savepoint-btn').click();
    await expect
      .poll(() => page.locator('#message').textContent(), { timeout: 30_000 })
      .toMatch(/^Savepoint done: /);
    const path = ((await page.locator('#message').textContent()) ?? '').replace('Savepoint done: ', '');
    expect(existsSync(join(path, '_metadata'))).toBe(true);
    await expect
      .poll(() => page.locator('#checkpoints tbody tr', { hasText: 'savepoint' }).count(), {
        timeout: 30_000,
      })
      .toBeGreaterThan(0);

    mkdirSync(reports, { recursive: true });
    await page.screenshot({ path: join(reports, 'cli-dashboard.png'), fullPage: true });
    expect(consoleErrors).toEqual([]);
  } finally {
    await browser.close();
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
  }
});
