import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { servicesDir } from './harness-paths.js';
import type { ServiceName, ServiceState } from './service-types.js';

/**
 * The small JSON file per service (`<cache>/services/<name>.json`) that lets any process find,
 * reuse or stop an instance another process started. Writes are atomic (temp file + rename), so
 * a reader never sees half a file. Callers hold the service's file lock around read-modify-write.
 */
export class ServiceStateStore {
  readonly dir: string;

  constructor(dir: string = servicesDir()) {
    this.dir = dir;
  }

  /** Path of the state file of `name`. */
  statePath(name: ServiceName): string {
    return join(this.dir, `${name}.json`);
  }

  /** Path the file lock of `name` is taken on. */
  lockPath(name: ServiceName): string {
    return join(this.dir, name);
  }

  /** The recorded state of `name`, or undefined when none (or unreadable: treated as none). */
  read<N extends ServiceName>(name: N): ServiceState<N> | undefined {
    try {
      const parsed = JSON.parse(readFileSync(this.statePath(name), 'utf8')) as ServiceState<N>;
      return parsed.name === name ? parsed : undefined;
    } catch {
      return undefined;
    }
  }

  /** Records `state` for its service. */
  write(state: ServiceState): void {
    mkdirSync(this.dir, { recursive: true });
    const target = this.statePath(state.name);
    const temp = `${target}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`);
    renameSync(temp, target);
  }

  /** Forgets `name`. */
  remove(name: ServiceName): void {
    rmSync(this.statePath(name), { force: true });
  }

  /** Where instances private to one test are recorded (`private/<id>.json`) and keep their logs. */
  get privateDir(): string {
    return join(this.dir, 'private');
  }

  /** Records a private instance (`state.private` must be set). */
  writePrivate(state: ServiceState): void {
    const id = state.private?.id;
    if (id === undefined) throw new Error(`${state.name}: not a private instance`);
    mkdirSync(this.privateDir, { recursive: true });
    const target = join(this.privateDir, `${id}.json`);
    const temp = `${target}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`);
    renameSync(temp, target);
  }

  /** Every recorded private instance (unreadable files are skipped). */
  readPrivate(): ServiceState[] {
    let entries: string[];
    try {
      entries = readdirSync(this.privateDir);
    } catch {
      return [];
    }
    const states: ServiceState[] = [];
    for (const entry of entries.filter((file) => file.endsWith('.json'))) {
      try {
        const state = JSON.parse(readFileSync(join(this.privateDir, entry), 'utf8')) as ServiceState;
        if (state.private !== undefined) states.push(state);
      } catch {
        // Being written or removed right now.
      }
    }
    return states;
  }

  /** Forgets private instance `id` and its harness files. */
  removePrivate(id: string): void {
    rmSync(join(this.privateDir, `${id}.json`), { force: true });
    rmSync(join(this.privateDir, id), { recursive: true, force: true });
  }
}
