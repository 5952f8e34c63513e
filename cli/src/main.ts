import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type CliIo, ExitCode, processIo, UsageError } from './commands/cli-io.js';
import { connectorsCommand } from './commands/connectors-command.js';
import { controlCommand } from './commands/control-commands.js';
import { runCommand } from './commands/run-command.js';
import { validateCommand } from './commands/validate-command.js';
import { PipelineFileError } from './pipeline/pipeline-error.js';
import { pipelineJsonSchema } from './pipeline/pipeline-json-schema.js';
import { discoverPlugins } from './plugins/discover-plugins.js';

const USAGE = `Usage: tributary <command> [options]

Commands:
  run <pipeline.yaml|json>     run a pipeline; Ctrl-C stops with a savepoint, a second Ctrl-C cancels
      --from-savepoint <dir>   start from a savepoint (or checkpoint) directory
      --savepoint-dir <dir>    where Ctrl-C and control requests put savepoints (default .tributary/savepoints)
      --ui [--ui-port <n>]     serve the dashboard on http://127.0.0.1:<n>/ (default: any free port)
      --log-format text|json   progress as text (TTY: one live line) or JSON lines (default text)
      --quiet                  no progress lines
  validate <pipeline>          check options, then connectivity (--no-connect: options only)
  connectors [--options] [--json]  installed connectors and formats, guarantees, options
  schema [-o <file>]           JSON Schema of pipeline files for the installed connectors
  savepoint [<dir>] [--job <name>]            take a savepoint of a running job
  stop [--savepoint <dir>|--no-savepoint] [--job <name>]  stop a running job

Exit codes: 0 ok, 1 job or check failed, 2 bad usage or pipeline file, 130 cancelled.
`;

/** The `tributary` command; returns the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run': {
        const { values, positionals } = parse(rest, {
          'from-savepoint': { type: 'string' },
          'savepoint-dir': { type: 'string' },
          ui: { type: 'boolean', default: false },
          'ui-port': { type: 'string' },
          'log-format': { type: 'string', default: 'text' },
          quiet: { type: 'boolean', default: false },
        });
        const logFormat = values['log-format'];
        if (logFormat !== 'text' && logFormat !== 'json') {
          throw new UsageError(`--log-format: expected text or json, got '${String(logFormat)}'`);
        }
        return await runCommand(
          {
            file: single(positionals, 'run'),
            fromSavepoint: values['from-savepoint'] as string | undefined,
            savepointDir: values['savepoint-dir'] as string | undefined,
            ui: values.ui === true,
            uiPort: values['ui-port'] === undefined ? undefined : port(values['ui-port'] as string),
            logFormat,
            quiet: values.quiet === true,
          },
          io,
        );
      }
      case 'validate': {
        const { values, positionals } = parse(rest, { 'no-connect': { type: 'boolean', default: false } });
        return await validateCommand(
          { file: single(positionals, 'validate'), connect: values['no-connect'] !== true },
          io,
        );
      }
      case 'connectors': {
        const { values } = parse(rest, {
          options: { type: 'boolean', default: false },
          json: { type: 'boolean', default: false },
        });
        return await connectorsCommand({ options: values.options === true, json: values.json === true }, io);
      }
      case 'schema': {
        const { values } = parse(rest, { output: { type: 'string', short: 'o' } });
        const text = `${JSON.stringify(pipelineJsonSchema(await discoverPlugins()), null, 2)}\n`;
        if (values.output === undefined) io.stdout.write(text);
        else await writeFile(resolve(io.cwd, values.output as string), text);
        return ExitCode.ok;
      }
      case 'savepoint': {
        const { values, positionals } = parse(rest, { job: { type: 'string' } });
        return await controlCommand(
          {
            action: 'savepoint',
            directory: positionals[0],
            savepoint: true,
            job: values.job as string | undefined,
          },
          io,
        );
      }
      case 'stop': {
        const { values } = parse(rest, {
          savepoint: { type: 'string' },
          'no-savepoint': { type: 'boolean', default: false },
          job: { type: 'string' },
        });
        return await controlCommand(
          {
            action: 'stop',
            directory: values.savepoint as string | undefined,
            savepoint: values['no-savepoint'] !== true,
            job: values.job as string | undefined,
          },
          io,
        );
      }
      case '--version':
      case '-v':
        io.stdout.write(`${version()}\n`);
        return ExitCode.ok;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(USAGE);
        return command === undefined ? ExitCode.usage : ExitCode.ok;
      default:
        throw new UsageError(
          `unknown command '${command}' (commands: run, validate, connectors, schema, savepoint, stop)`,
        );
    }
  } catch (error) {
    if (error instanceof PipelineFileError) {
      for (const line of error.message.split('\n')) io.stderr.write(`tributary: ${line}\n`);
      return ExitCode.usage;
    }
    if (error instanceof UsageError) {
      io.stderr.write(`tributary: ${error.message}\n`);
      return ExitCode.usage;
    }
    io.stderr.write(`tributary: ${(error as Error).message ?? String(error)}\n`);
    return ExitCode.failed;
  }
}

function parse(args: readonly string[], options: NonNullable<Parameters<typeof parseArgs>[0]>['options']) {
  try {
    return parseArgs({ args: [...args], options: options ?? {}, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function single(positionals: readonly string[], command: string): string | undefined {
  if (positionals.length > 1)
    throw new UsageError(`${command} takes one pipeline file, got ${positionals.length}`);
  return positionals[0];
}

function port(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65_535)
    throw new UsageError(`--ui-port: expected a port number 0-65535, got '${text}'`);
  return n;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
