import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@tributary/core';
import { TributaryError } from '@tributary/core';
import { E2eErrorCodes } from './e2e-errors.js';
import { withFileLock } from './file-lock.js';
import { cacheRootDir } from './harness-paths.js';
import type { DatabaseBinaries, InstancePaths, LocalDatabaseSpec } from './local-database.js';
import { aptInstall, runCommand } from './run-command.js';
import type { DatabaseServiceName } from './service-types.js';
import { chownRecursive, unprivilegedIds, unprivilegedRuntimeDir } from './unprivileged-user.js';

/*
 * The files of harness-run database servers: where they live, the template data directory made
 * once per cache, fresh copies of it, and deleting them.
 */

/**
 * Root of the database instances and templates: `<cache>/databases`, or, when the harness runs
 * as root, `/var/lib/tributary/databases-<cache hash>` (the servers then run as `nobody`, which
 * cannot enter root's home; PostgreSQL refuses to run as root at all).
 */
export function databasesDir(): string {
  if (unprivilegedIds() === undefined) return join(cacheRootDir(), 'databases');
  const cacheKey = createHash('sha256').update(cacheRootDir()).digest('hex').slice(0, 12);
  return join(unprivilegedRuntimeDir(), `databases-${cacheKey}`);
}

/**
 * Deletes a directory without waiting: renamed aside at once (its path is free again), then a
 * detached `rm -rf` that outlives this process. Deleting a data directory takes seconds on a busy
 * disk, which a test's `close()` should not pay.
 */
export function removeInBackground(path: string): void {
  if (!existsSync(path)) return;
  const doomed = `${path}.deleting-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(path, doomed);
  } catch {
    rmSync(path, { recursive: true, force: true });
    return;
  }
  spawn('rm', ['-rf', doomed], { detached: true, stdio: 'ignore' }).unref();
}

export function instancePaths(name: DatabaseServiceName, id: string): InstancePaths {
  const dir = join(databasesDir(), 'instances', id.startsWith(name) ? id : `${name}-${id}`);
  return { dir, dataDir: join(dir, 'data') };
}

/** The binaries, installed with apt-get when missing (root only; otherwise a clear error). */
export async function ensureBinaries<N extends DatabaseServiceName>(
  spec: LocalDatabaseSpec<N>,
  logger: Logger,
): Promise<DatabaseBinaries> {
  const found = spec.findBinaries();
  if (found !== undefined) return found;
  await aptInstall(spec.aptPackages, (message) => logger.info(message));
  const installed = spec.findBinaries();
  if (installed === undefined) {
    throw new TributaryError(
      E2eErrorCodes.SYSTEM_SERVICE_FAILED,
      `${spec.name}: installed ${spec.aptPackages.join(', ')} but still found no server binaries`,
      { context: { service: spec.name } },
    );
  }
  return installed;
}

/**
 * Makes sure `paths.dataDir` exists: kept as is when it does (returns true), else copied from the
 * template (`cp -a`, which keeps owners and modes; PostgreSQL insists on 0700).
 */
export async function prepareDataDir<N extends DatabaseServiceName>(
  spec: LocalDatabaseSpec<N>,
  paths: InstancePaths,
  logger: Logger,
): Promise<boolean> {
  if (existsSync(join(paths.dataDir, READY_MARKER))) return true;
  const template = await ensureTemplate(spec, logger);
  rmSync(paths.dataDir, { recursive: true, force: true });
  mkdirSync(paths.dir, { recursive: true });
  // Copy beside and rename, so an interrupted copy is never taken for a data directory.
  const partial = `${paths.dataDir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  await runCommand('cp', ['-a', template, partial], { timeoutMs: 120_000 });
  renameSync(partial, paths.dataDir);
  return false;
}

/** A file in every data directory copied completely (a half copy is not reused). */
const READY_MARKER = 'tributary-data-ready';

/** The initialized template data directory of this server version, made once per cache under a lock. */
async function ensureTemplate<N extends DatabaseServiceName>(
  spec: LocalDatabaseSpec<N>,
  logger: Logger,
): Promise<string> {
  const binaries = await ensureBinaries(spec, logger);
  const dir = join(databasesDir(), 'templates', `${spec.name}-${binaries.version}`);
  const dataDir = join(dir, 'data');
  if (existsSync(join(dataDir, READY_MARKER))) return dataDir;
  return withFileLock(
    dir,
    async () => {
      if (existsSync(join(dataDir, READY_MARKER))) return dataDir;
      logger.info(`initializing a ${spec.name} ${binaries.version} template data directory (once per cache)`);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const ids = unprivilegedIds();
      if (ids !== undefined) chownRecursive(dir, ids.uid, ids.gid);
      await spec.initialize(binaries, dataDir, ids);
      writeFileSync(join(dataDir, READY_MARKER), `${binaries.version}\n`);
      if (ids !== undefined) chownRecursive(dataDir, ids.uid, ids.gid);
      return dataDir;
    },
    { timeoutMs: 5 * 60_000, what: `${spec.name} template` },
  );
}
