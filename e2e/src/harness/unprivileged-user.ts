import { chownSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot } from './run-command.js';

/**
 * Who runs servers that refuse to run as root (Elasticsearch): `nobody` (65534:65534) when the
 * harness runs as root, else undefined (run as the current user). `TRIBUTARY_SERVICE_UID` /
 * `TRIBUTARY_SERVICE_GID` choose another account.
 */
export function unprivilegedIds(
  env: NodeJS.ProcessEnv = process.env,
): { uid: number; gid: number } | undefined {
  if (!isRoot()) return undefined;
  return { uid: Number(env.TRIBUTARY_SERVICE_UID || 65534), gid: Number(env.TRIBUTARY_SERVICE_GID || 65534) };
}

/**
 * Where files such a server must read go when running as root. Root's home (and so the default
 * cache) is usually mode 700, which `nobody` cannot enter. `TRIBUTARY_UNPRIVILEGED_DIR` overrides.
 */
export function unprivilegedRuntimeDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.TRIBUTARY_UNPRIVILEGED_DIR || '/var/lib/tributary';
}

/** `chown -R` without following symlinks. */
export function chownRecursive(path: string, uid: number, gid: number): void {
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return;
  chownSync(path, uid, gid);
  if (stat.isDirectory()) {
    for (const entry of readdirSync(path)) chownRecursive(join(path, entry), uid, gid);
  }
}
