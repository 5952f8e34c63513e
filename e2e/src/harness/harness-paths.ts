import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Root of everything the harness keeps between runs: downloaded artifacts, service state files,
 * data directories and logs. It lives outside the repository on purpose, so a `git clean` or a
 * second checkout reuses the same (large) artifacts and the same running services.
 *
 * `TRIBUTARY_CACHE_DIR` overrides it; otherwise `$XDG_CACHE_HOME/tributary` or `~/.cache/tributary`.
 */
export function cacheRootDir(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.TRIBUTARY_CACHE_DIR;
  if (explicit !== undefined && explicit !== '') return explicit;
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'tributary');
}

/** Where Maven-resolved jars of one artifact set live, e.g. `artifacts/kafka-3.9.2/`. */
export function artifactsDir(key: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRootDir(env), 'artifacts', key);
}

/** Where state files (`<name>.json`), locks, logs and data directories of services live. */
export function servicesDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRootDir(env), 'services');
}
