import type { ResolvedPluginFormat } from '@tributary/core';
import type { InstalledPlugin } from '../plugins/discover-plugins.js';
import type { KeyPath, PipelineDocument } from './pipeline-document.js';
import type { PipelineProblem } from './pipeline-error.js';
import type { FormatRef } from './pipeline-schema.js';
import { objectKeys } from './schema-paths.js';
import { problemsFromIssues } from './zod-problems.js';

/** What a format is used for: the builder of the format plugin that is called. */
export type FormatRole = keyof Omit<ResolvedPluginFormat, 'name'>;

/** Where a format reference sits in the file and what uses it (for messages). */
export interface FormatUse {
  /** Path of the reference itself (`source.format`, `processors.2.decode`). */
  readonly at: KeyPath;
  readonly role: FormatRole;
  /** `this source`, `decode`: who cannot use a format without the role. */
  readonly usedBy: string;
}

/**
 * Resolves `format: csv` / `format: { type: csv, ... }` against the installed format plugins:
 * the plugin exists, its options pass its own schema, it has the builder the use needs, and the
 * builder accepts the options. Returns null after recording the problem at the right key.
 */
export function resolveFormat(
  doc: PipelineDocument,
  ref: FormatRef,
  use: FormatUse,
  plugins: readonly InstalledPlugin[],
  problems: PipelineProblem[],
): ResolvedPluginFormat | null {
  const formats = plugins.filter((p) => p.kind === 'format' && p.plugin.format);
  const names = installedFormatNames(plugins);
  const { type, ...options } = typeof ref === 'string' ? { type: ref } : ref;
  const typePath: KeyPath = typeof ref === 'string' ? use.at : [...use.at, 'type'];
  const problem = (at: KeyPath, message: string) => {
    problems.push({ file: doc.file, position: doc.positionOf(at), key: at.join('.'), message });
    return null;
  };
  const plugin = formats.find((p) => p.plugin.name === type)?.plugin.format;
  if (!plugin) {
    return problem(
      typePath,
      `unknown format '${type}'; installed: ${names} (e.g. npm install @tributary/format-${type})`,
    );
  }
  const parsed = plugin.options.schema.safeParse(options);
  if (!parsed.success) {
    const keys = objectKeys(plugin.options.schema);
    problems.push(
      ...problemsFromIssues(doc, use.at, parsed.error.issues, (p) =>
        p.length === use.at.length && keys.length > 0 ? ['type', ...keys] : undefined,
      ),
    );
    return null;
  }
  const build = plugin[use.role] as ((o: unknown) => unknown) | undefined;
  if (!build)
    return problem(typePath, `format '${type}' cannot be used by ${use.usedBy} (it has no ${use.role})`);
  try {
    return { name: type, [use.role]: build.call(plugin, parsed.data) } as ResolvedPluginFormat;
  } catch (error) {
    return problem(use.at, (error as Error).message.replaceAll('\n', ' '));
  }
}

/** `csv, json, parquet` or `(none)`, for messages. */
export function installedFormatNames(plugins: readonly InstalledPlugin[]): string {
  return (
    plugins
      .filter((p) => p.kind === 'format' && p.plugin.format)
      .map((p) => p.plugin.name)
      .join(', ') || '(none)'
  );
}
