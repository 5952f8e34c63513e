import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databasesDir, removeInBackground } from './database-files.js';
import { isPortOpen } from './free-port.js';
import { processStartTicks } from './process-group.js';
import { ServiceManager } from './service-manager.js';

/** Where Debian (and most distributions) keep the machine's database server configuration. */
const SYSTEM_CONFIG_ROOTS = [
  '/etc/mysql',
  '/etc/postgresql',
  '/etc/postgresql-common',
  '/var/lib/postgresql',
];
/** Under /var/lib/postgresql only the configuration written by ALTER SYSTEM matters. */
const DATA_DIR_CONFIG = /postgresql\.auto\.conf$/;

/** sha256 of every configuration file under the roots, by path. */
function configHashes(): Record<string, string> {
  const hashes: Record<string, string> = {};
  const walk = (path: string, dataDir: boolean) => {
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(path);
    } catch {
      return;
    }
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) walk(join(path, entry), dataDir);
    } else if (stat.isFile() && (!dataDir || DATA_DIR_CONFIG.test(path))) {
      hashes[path] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  for (const root of SYSTEM_CONFIG_ROOTS) walk(root, root === '/var/lib/postgresql');
  return hashes;
}

/**
 * The machine's database server processes with their start times (a restart changes both), i.e.
 * their uptime: every mariadbd / postgres / mysqld process that is not one of the harness's
 * (whose command lines name a harness `databases` directory).
 */
function systemServerProcesses(): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    let command: string;
    try {
      command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    } catch {
      continue;
    }
    const program = command.split(' ')[0] ?? '';
    if (!/(^|\/)(mariadbd|mysqld|postgres|postmaster)$/.test(program)) continue;
    if (/\/databases(-[0-9a-f]+)?\//.test(command)) continue;
    found.push(`${pid}@${processStartTicks(pid)} ${command}`);
  }
  return found.sort();
}

interface MachineState {
  readonly config: Record<string, string>;
  readonly processes: string[];
  readonly ports: { readonly mariadb: boolean; readonly postgres: boolean };
}

async function machineState(): Promise<MachineState> {
  return {
    config: configHashes(),
    processes: systemServerProcesses(),
    ports: { mariadb: await isPortOpen(3306), postgres: await isPortOpen(5432) },
  };
}

/**
 * The harness never touches the machine's MariaDB / PostgreSQL: a cold start (fresh cache:
 * template initialization, shared instances) plus private instances with odd settings, SIGKILL,
 * restart and stop leave the system servers' config files and running processes as they were,
 * whether those servers run or not.
 */
describe('the machine database servers', () => {
  const savedCacheDir = process.env.TRIBUTARY_CACHE_DIR;
  const cacheDir = mkdtempSync(join(tmpdir(), 'trib-untouched-'));
  let before: MachineState;
  let harnessDatabases = '';

  beforeAll(async () => {
    before = await machineState();
    process.env.TRIBUTARY_CACHE_DIR = cacheDir;
    harnessDatabases = databasesDir();
  });
  afterAll(() => {
    if (savedCacheDir === undefined) delete process.env.TRIBUTARY_CACHE_DIR;
    else process.env.TRIBUTARY_CACHE_DIR = savedCacheDir;
    rmSync(cacheDir, { recursive: true, force: true });
    removeInBackground(harnessDatabases);
  });

  it('keep their config files and processes through everything the harness does', async () => {
    const manager = await ServiceManager.create({ backend: 'local', runId: 'untouched-check' });
    const [mariadb, postgres] = await Promise.all([manager.ensure('mariadb'), manager.ensure('postgres')]);
    if (mariadb.owner.kind !== 'external') {
      expect(mariadb.owner.kind).toBe('process');
      expect(mariadb.connection.port).not.toBe(3306);
      expect(mariadb.instanceDir?.startsWith(harnessDatabases)).toBe(true);
    }
    if (postgres.owner.kind !== 'external') {
      expect(postgres.owner.kind).toBe('process');
      expect(postgres.connection.port).not.toBe(5432);
      expect(postgres.instanceDir?.startsWith(harnessDatabases)).toBe(true);
    }
    // The settings the old harness wrote into the system servers, now on private instances.
    const [privateMariaDb, privatePostgres] = await Promise.all([
      manager.startPrivate('mariadb', { expire_logs_days: 1, max_connections: 5 }),
      manager.startPrivate('postgres', { max_prepared_transactions: 3 }),
    ]);
    await Promise.all(
      [privateMariaDb, privatePostgres].map(async (instance) => {
        await manager.killPrivate(instance);
        await manager.stopPrivate(await manager.restartPrivate(instance));
      }),
    );
    await Promise.all([manager.stop('mariadb'), manager.stop('postgres')]);

    const after = await machineState();
    expect(after.config).toEqual(before.config);
    expect(after.processes).toEqual(before.processes);
    expect(after.ports).toEqual(before.ports);
    // Guards against a check that cannot fail: Debian keeps the MariaDB or PostgreSQL config here.
    expect(Object.keys(before.config).length).toBeGreaterThan(0);
  });
});
