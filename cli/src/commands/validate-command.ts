import type { InstalledPlugin } from '../plugins/discover-plugins.js';
import { type CliIo, ExitCode } from './cli-io.js';
import { loadPipeline } from './load-pipeline.js';

const CHECK_TIMEOUT_MS = 15_000;

/**
 * `tributary validate`: the file's options (exit 2 when wrong), then connectivity of source and
 * sink where the connector offers a check (exit 1 when one fails).
 */
export async function validateCommand(
  args: { readonly file: string | undefined; readonly connect: boolean },
  io: CliIo,
  plugins?: readonly InstalledPlugin[],
): Promise<number> {
  const pipeline = await loadPipeline(args.file, io.cwd, io.env, plugins);
  io.stdout.write(
    `${args.file}: options valid (source ${pipeline.source.connector}, sink ${pipeline.sink.connector})\n`,
  );
  if (!args.connect) return ExitCode.ok;
  let failed = false;
  for (const [side, endpoint] of [
    ['source', pipeline.source],
    ['sink', pipeline.sink],
  ] as const) {
    const check = endpoint.plugin.check;
    if (!check) {
      io.stdout.write(`${side} ${endpoint.connector}: no connectivity check\n`);
      continue;
    }
    try {
      const found = await withTimeout(check.call(endpoint.plugin, endpoint.options), CHECK_TIMEOUT_MS);
      io.stdout.write(`${side} ${endpoint.connector}: reachable${found ? `, ${found}` : ''}\n`);
    } catch (error) {
      failed = true;
      io.stderr.write(`tributary: ${side} ${endpoint.connector}: ${(error as Error).message}\n`);
    }
  }
  return failed ? ExitCode.failed : ExitCode.ok;
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
