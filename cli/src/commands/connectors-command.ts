import { describeOptions, type OptionDoc } from '@tributary/core';
import { discoverPlugins, type InstalledPlugin } from '../plugins/discover-plugins.js';
import { type CliIo, ExitCode } from './cli-io.js';

/** `tributary connectors`: installed connectors and formats, their guarantees and (`--options`) options. */
export async function connectorsCommand(
  args: { readonly options: boolean; readonly json: boolean },
  io: CliIo,
  plugins?: readonly InstalledPlugin[],
): Promise<number> {
  const installed = plugins ?? (await discoverPlugins());
  if (args.json) {
    io.stdout.write(`${JSON.stringify(installed.map(describePlugin), null, 2)}\n`);
    return ExitCode.ok;
  }
  const connectors = installed.filter((p) => p.kind === 'connector');
  const formats = installed.filter((p) => p.kind === 'format');
  io.stdout.write(
    table(
      ['connector', 'package', 'source', 'sink'],
      connectors.map((p) => [
        p.plugin.name,
        `${p.packageName}@${p.version}`,
        p.plugin.source ? `${p.plugin.source.guarantee}` : '-',
        p.plugin.sink ? `${p.plugin.sink.guarantee}` : '-',
      ]),
    ),
  );
  io.stdout.write('\n');
  io.stdout.write(
    table(
      ['format', 'package', 'description'],
      formats.map((p) => [p.plugin.name, `${p.packageName}@${p.version}`, p.plugin.description]),
    ),
  );
  if (args.options) {
    for (const p of installed) {
      for (const [label, schema] of [
        ['source.options', p.plugin.source?.options],
        ['sink.options', p.plugin.sink?.options],
        ['format', p.plugin.format?.options],
      ] as const) {
        if (!schema) continue;
        io.stdout.write(`\n${p.plugin.name} ${label}\n`);
        io.stdout.write(
          table(['key', 'type', 'default', 'description'], describeOptions(schema).map(optionRow)),
        );
      }
    }
  }
  return ExitCode.ok;
}

function describePlugin(p: InstalledPlugin) {
  return {
    name: p.plugin.name,
    kind: p.kind,
    package: p.packageName,
    version: p.version,
    description: p.plugin.description,
    ...(p.plugin.source
      ? {
          source: { guarantee: p.plugin.source.guarantee, options: describeOptions(p.plugin.source.options) },
        }
      : {}),
    ...(p.plugin.sink
      ? { sink: { guarantee: p.plugin.sink.guarantee, options: describeOptions(p.plugin.sink.options) } }
      : {}),
    ...(p.plugin.format ? { format: { options: describeOptions(p.plugin.format.options) } } : {}),
  };
}

function optionRow(o: OptionDoc): string[] {
  const def = o.default === undefined ? (o.required ? 'required' : '') : JSON.stringify(o.default);
  const description = o.description.length > 90 ? `${o.description.slice(0, 87)}...` : o.description;
  return [o.key, o.type.length > 60 ? `${o.type.slice(0, 57)}...` : o.type, def, description];
}

/** A plain-text table with aligned columns. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `${cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()}\n`;
  return line(header) + line(widths.map((w) => '-'.repeat(w))) + rows.map(line).join('');
}
