/**
 * `pnpm services up|down|status [names...]`: the same harness the e2e tests use, from a shell.
 *
 *   pnpm services up                 start (or reuse) all services, print their connections
 *   pnpm services up kafka postgres  only these
 *   pnpm services down               stop everything the harness started
 *   pnpm services status [--json]    what is recorded and whether it answers
 *
 * `--backend local|testcontainers` overrides the automatic choice (as does
 * `TRIBUTARY_SERVICES_BACKEND`).
 */
import { parseArgs } from 'node:util';
import { toError } from '@tributary/core';
import { parseBackend } from './harness/backend-selection.js';
import { isRecordedProcessAlive } from './harness/process-group.js';
import { ServiceManager } from './harness/service-manager.js';
import { isServiceName, SERVICE_NAMES, type ServiceName } from './harness/service-types.js';

const USAGE =
  'usage: pnpm services <up|down|status> [kafka|kafka-cluster|pulsar|elasticsearch|mariadb|postgres|kinesis ...] [--backend local|testcontainers] [--json]';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      backend: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help === true || command === undefined) {
    console.log(USAGE);
    return command === undefined && values.help !== true ? 2 : 0;
  }
  const unknown = rest.filter((name) => !isServiceName(name));
  if (unknown.length > 0) {
    console.error(`unknown service(s): ${unknown.join(', ')}\n${USAGE}`);
    return 2;
  }
  const names = rest.length === 0 ? SERVICE_NAMES : (rest as ServiceName[]);
  const backend = parseBackend(values.backend);
  const manager = await ServiceManager.create(backend === undefined ? {} : { backend });

  switch (command) {
    case 'up': {
      const started = Date.now();
      const results = await Promise.allSettled(names.map((name) => manager.ensure(name)));
      let failed = 0;
      const connections: Record<string, unknown> = {};
      results.forEach((result, index) => {
        const name = names[index] as ServiceName;
        if (result.status === 'fulfilled') {
          connections[name] = result.value.connection;
        } else {
          failed++;
          console.error(`${name}: FAILED\n${toError(result.reason).message}\n`);
        }
      });
      console.log(JSON.stringify(connections, null, 2));
      console.error(
        `[services] ${names.length - failed}/${names.length} up on ${manager.backend} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      return failed === 0 ? 0 : 1;
    }
    case 'down': {
      for (const name of names) {
        const outcome = await manager.stop(name);
        if (outcome === 'left-running') {
          console.log(`${name}: external server left running (the harness does not own it)`);
        } else {
          console.log(`${name}: ${outcome}`);
        }
        for (const id of await manager.stopPrivateInstances({ name }))
          console.log(`${id}: stopped (private)`);
      }
      return 0;
    }
    case 'status': {
      const statuses = await Promise.all(names.map((name) => manager.status(name)));
      if (values.json === true) {
        console.log(JSON.stringify(statuses, null, 2));
      } else {
        for (const status of statuses) {
          const recorded = status.recorded;
          const where =
            recorded === undefined
              ? ''
              : ` ${recorded.backend} ${recorded.version} since ${recorded.startedAt}` +
                (recorded.owner.kind === 'process' ? ` pid ${recorded.owner.process.pid}` : '') +
                (recorded.owner.kind === 'processes'
                  ? ` pids ${recorded.owner.processes.map((p) => p.pid).join(',')}`
                  : '') +
                (recorded.owner.kind === 'container'
                  ? ` container ${recorded.owner.containerId.slice(0, 12)}`
                  : '');
          console.log(
            `${status.name.padEnd(14)} ${status.state.padEnd(9)}${where}${status.detail === undefined ? '' : ` (${status.detail})`}`,
          );
        }
        for (const instance of manager.store.readPrivate().filter((state) => names.includes(state.name))) {
          const holder = instance.private?.holder;
          const owner = instance.owner.kind === 'process' ? ` pid ${instance.owner.process.pid}` : '';
          const alive =
            holder !== undefined && isRecordedProcessAlive({ ...holder, pgid: holder.pid, command: '' });
          console.log(
            `${(instance.private?.id ?? instance.name).padEnd(24)} private since ${instance.startedAt}${owner}, ` +
              (alive ? `for test process ${holder?.pid}` : `orphan (test process ${holder?.pid} is gone)`),
          );
        }
      }
      return statuses.every((status) => status.state !== 'unhealthy') ? 0 : 1;
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(toError(error).stack ?? String(error));
    process.exitCode = 1;
  },
);
