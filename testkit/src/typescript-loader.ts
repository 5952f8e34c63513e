import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);

/**
 * True when this kit runs from its TypeScript sources (inside the Tributary repository, through
 * vitest or tsx with the `@tributary/source` condition); false when it runs from the built
 * `dist/` of an installed package.
 */
export const RUNNING_FROM_SOURCE = import.meta.url.endsWith('.ts');

const TYPESCRIPT_FILE = /\.[cm]?tsx?$/;
// A crash child started by this kit has tsx on its command line already.
let registered = process.execArgv.some((arg) => arg.includes('tsx'));

/**
 * Imports an author's module — typically a `.ts` contract context — whatever loaded this kit.
 * From source, the caller's loader (vite, tsx) already handles TypeScript. From `dist/`, vitest
 * leaves this package to Node's own loader, which rejects `.ts` ("Unknown file extension"), so
 * the kit registers tsx's ESM hooks once in this process before importing a TypeScript file.
 */
export async function importAuthorModule(path: string): Promise<Record<string, unknown>> {
  if (!RUNNING_FROM_SOURCE && TYPESCRIPT_FILE.test(path) && !registered) {
    const { register } = (await import('tsx/esm/api')) as typeof import('tsx/esm/api');
    register();
    registered = true;
  }
  return (await import(RUNNING_FROM_SOURCE ? path : pathToFileURL(path).href)) as Record<string, unknown>;
}

/**
 * Node arguments of a child process that runs `script` the way this kit runs: from source, with
 * the `@tributary/source` condition and tsx (the repository's tests); from `dist/`, with tsx only
 * for the author's TypeScript, so `@tributary/*` packages resolve to their built code.
 */
export function childNodeArgs(): string[] {
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  return RUNNING_FROM_SOURCE ? ['--conditions=@tributary/source', '--import', tsx] : ['--import', tsx];
}
