import { readFileSync, writeFileSync } from 'node:fs';
import type { z } from 'zod';
import { describeOptions, type OptionsSchema, optionsMarkdownTable } from '../config/options.js';

/**
 * Keeps documentation honest: code snippets in Markdown are copies of `// #region <name>` blocks of
 * test files (where they run), and option tables are rendered from the option schemas. Markdown
 * marks the generated parts with `<!-- snippet:<name>:start -->…<!-- snippet:<name>:end -->` and
 * `<!-- options:<name>:start -->…<!-- options:<name>:end -->`.
 */

/** The `// #region name` … `// #endregion name` blocks of a source file, de-indented. */
export function extractRegions(source: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of source.matchAll(/^([ \t]*)\/\/ #region ([\w-]+)\n([\s\S]*?)^[ \t]*\/\/ #endregion \2$/gm)) {
    const indent = (m[1] as string).length;
    const lines = (m[3] as string)
      .split('\n')
      .map((line) => line.slice(Math.min(indent, line.length - line.trimStart().length)));
    out.set(m[2] as string, lines.join('\n').trimEnd());
  }
  return out;
}

/** Undoes Markdown table alignment (formatters pad cells), so only content is compared. */
export function normalizeMarkdownTables(text: string): string {
  return text
    .split('\n')
    .map((line) =>
      line.startsWith('|') ? line.replace(/ *\| */g, '|').replace(/\|-+(?=\|)/g, '|---') : line,
    )
    .join('\n');
}

type AnyOptions = OptionsSchema<z.ZodType>;

/** Replaces every marked snippet and options section of `doc` with its current content. */
export function renderDocSections(
  doc: string,
  snippets: ReadonlyMap<string, string>,
  options: Readonly<Record<string, AnyOptions>>,
): string {
  return doc
    .replace(
      /(<!-- snippet:([\w-]+):start -->\n)[\s\S]*?(<!-- snippet:\2:end -->)/g,
      (_all, start, name, end) => {
        const body = snippets.get(name);
        if (body === undefined) throw new Error(`docs reference unknown snippet '${name}'`);
        return `${start}\`\`\`ts\n${body}\n\`\`\`\n${end}`;
      },
    )
    .replace(
      /(<!-- options:([\w-]+):start -->\n)[\s\S]*?(<!-- options:\2:end -->)/g,
      (_all, start, name, end) => {
        const schema = options[name];
        if (!schema) throw new Error(`docs reference unknown options '${name}'`);
        return `${start}${optionsMarkdownTable(describeOptions(schema))}\n${end}`;
      },
    );
}

export interface DocSectionsSpec {
  /** Markdown files with generated sections. */
  readonly docs: readonly URL[];
  /** Test files whose `#region`s are the snippets. */
  readonly snippetSources: readonly URL[];
  /** Option schemas by the name used in `<!-- options:<name>:start -->`. */
  readonly options?: Readonly<Record<string, unknown>>;
  /** Rewrite stale docs instead of reporting them. Default: `TRIB_UPDATE_DOCS=1`. */
  readonly update?: boolean;
}

export interface DocSectionsReport {
  /** Docs whose generated sections differ from the sources (path of each). */
  readonly stale: string[];
  /** Snippets no doc shows. */
  readonly unusedSnippets: string[];
  /** Option schemas no doc renders. */
  readonly unusedOptions: string[];
}

/**
 * Checks (or, in update mode, rewrites) the generated sections of `docs`. An empty report means
 * the docs are current; tests assert `toEqual({ stale: [], unusedSnippets: [], unusedOptions: [] })`.
 */
export function syncDocSections(spec: DocSectionsSpec): DocSectionsReport {
  const update = spec.update ?? process.env.TRIB_UPDATE_DOCS === '1';
  const options = (spec.options ?? {}) as Readonly<Record<string, AnyOptions>>;
  const snippets = new Map<string, string>();
  for (const source of spec.snippetSources) {
    for (const [name, body] of extractRegions(readFileSync(source, 'utf8'))) snippets.set(name, body);
  }
  const stale: string[] = [];
  const texts: string[] = [];
  for (const url of spec.docs) {
    const doc = readFileSync(url, 'utf8');
    const rendered = renderDocSections(doc, snippets, options);
    texts.push(rendered);
    if (normalizeMarkdownTables(rendered) === normalizeMarkdownTables(doc)) continue;
    if (update) writeFileSync(url, rendered);
    else stale.push(url.pathname);
  }
  const all = texts.join('\n');
  return {
    stale,
    unusedSnippets: [...snippets.keys()].filter((name) => !all.includes(`<!-- snippet:${name}:start -->`)),
    unusedOptions: Object.keys(options).filter((name) => !all.includes(`<!-- options:${name}:start -->`)),
  };
}
