import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineOptions } from '../config/options.js';
import { extractRegions, normalizeMarkdownTables, syncDocSections } from './doc-sections.js';

const options = defineOptions('demo', z.object({ sizeBytes: z.number().default(1).describe('How big.') }));

function fixture(doc: string) {
  const dir = mkdtempSync(join(tmpdir(), 'trib-docs-'));
  const docPath = join(dir, 'doc.md');
  const srcPath = join(dir, 'example.test.ts');
  writeFileSync(srcPath, "it('x', () => {\n  // #region hello\n  const a = 1;\n  // #endregion hello\n});\n");
  writeFileSync(docPath, doc);
  return { docUrl: pathToFileURL(docPath), srcUrl: pathToFileURL(srcPath), docPath };
}

const current =
  '# Doc\n<!-- snippet:hello:start -->\n```ts\nconst a = 1;\n```\n<!-- snippet:hello:end -->\n' +
  '<!-- options:demo:start -->\n| Option | Type | Default | Description |\n| --- | --- | --- | --- |\n' +
  '| `sizeBytes` | number | `1` | How big. |\n<!-- options:demo:end -->\n';

describe('syncDocSections', () => {
  it('extracts de-indented regions', () => {
    expect(extractRegions('  // #region a\n  x();\n    y();\n  // #endregion a\n')).toEqual(
      new Map([['a', 'x();\n  y();']]),
    );
  });

  it('reports nothing for current docs, ignoring table alignment', () => {
    const { docUrl, srcUrl } = fixture(
      current.replace('| --- | --- | --- | --- |', '| ------ | ---- | ------- | ----------- |'),
    );
    expect(
      syncDocSections({
        docs: [docUrl],
        snippetSources: [srcUrl],
        options: { demo: options },
        update: false,
      }),
    ).toEqual({ stale: [], unusedSnippets: [], unusedOptions: [] });
    expect(normalizeMarkdownTables('| a   | b |')).toBe('|a|b|');
  });

  it('reports stale snippets and unused sections, and rewrites in update mode', () => {
    const { docUrl, srcUrl, docPath } = fixture(current.replace('const a = 1;', 'const a = 2;'));
    const spec = { docs: [docUrl], snippetSources: [srcUrl], options: { demo: options, other: options } };
    expect(syncDocSections({ ...spec, update: false })).toEqual({
      stale: [docUrl.pathname],
      unusedSnippets: [],
      unusedOptions: ['other'],
    });
    syncDocSections({ ...spec, update: true });
    expect(readFileSync(docPath, 'utf8')).toBe(current);
  });
});
