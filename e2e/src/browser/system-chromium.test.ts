import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findSystemChromium, requireSystemChromium } from './system-chromium.js';

describe('findSystemChromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chromium-find-'));
  const fake = join(dir, 'chromium');
  writeFileSync(fake, '#!/bin/sh\n');
  chmodSync(fake, 0o755);
  const notExecutable = join(dir, 'chromium-browser');
  writeFileSync(notExecutable, '');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prefers TRIBUTARY_CHROMIUM', () => {
    expect(findSystemChromium({ env: { TRIBUTARY_CHROMIUM: fake }, knownPaths: ['/nope'] })).toBe(fake);
  });

  it('tries the known paths, then PATH, skipping files that are not executable', () => {
    expect(findSystemChromium({ env: {}, knownPaths: [notExecutable, fake] })).toBe(fake);
    expect(findSystemChromium({ env: { PATH: `/nope:${dir}` }, knownPaths: [] })).toBe(fake);
    expect(findSystemChromium({ env: { PATH: '/nope' }, knownPaths: [notExecutable] })).toBeUndefined();
  });

  it('fails with an install hint instead of skipping', () => {
    expect(() => requireSystemChromium({ env: { PATH: '' }, knownPaths: [] })).toThrow(
      expect.objectContaining({
        code: 'TRIB_E2E_BROWSER_NOT_FOUND',
        message: expect.stringMatching(/apt-get install -y chromium/),
      }),
    );
    expect(() => requireSystemChromium({ env: { TRIBUTARY_CHROMIUM: notExecutable } })).toThrow(
      /TRIBUTARY_CHROMIUM=.* is not an executable file/,
    );
  });
});
