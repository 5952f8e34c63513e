import { createRequire } from 'node:module';
import { freePort } from '../harness/free-port.js';
import { launchLocalServer } from '../harness/local-launcher.js';
import { isRecordedProcessAlive, killProcessGroup } from '../harness/process-group.js';
import type { ServiceProvider, StartContext } from '../harness/service-provider.js';
import type { KinesisConnection, ServiceState } from '../harness/service-types.js';
import { probeKinesis } from './kinesis-probe.js';

/** The kinesalite version the e2e package depends on (the emulator has no server version). */
export const KINESALITE_VERSION = '3.3.3';

/**
 * Kinesis as kinesalite (an in-memory Kinesis emulator written in Node) started as a child
 * process of the current Node binary. Used by both backends: it needs no container, and one
 * emulator everywhere keeps behaviour identical. Streams leave `CREATING` after 50 ms (default
 * 500 ms) so tests still see the state transition without waiting; the shard limit is raised to
 * 100 for resharding tests.
 */
export const localKinesisProvider: ServiceProvider<'kinesis'> = {
  name: 'kinesis',
  backend: 'local',
  version: KINESALITE_VERSION,

  async start(context: StartContext): Promise<ServiceState<'kinesis'>> {
    const cli = createRequire(import.meta.url).resolve('kinesalite/cli.js');
    const launched = await launchLocalServer({
      name: 'kinesis',
      context,
      readyTimeoutMs: 30_000,
      plan: async () => {
        const port = await freePort();
        const connection: KinesisConnection = {
          endpoint: `http://127.0.0.1:${port}`,
          region: 'us-east-1',
          credentials: { accessKeyId: 'tributary', secretAccessKey: 'tributary-secret' },
        };
        return {
          spawn: {
            command: process.execPath,
            args: [
              cli,
              '--port',
              String(port),
              '--createStreamMs',
              '50',
              '--deleteStreamMs',
              '50',
              '--updateStreamMs',
              '50',
              '--shardLimit',
              '100',
            ],
            cwd: context.workDir,
            // Marks the process for humans (`ps e`); kinesalite ignores it.
            env: { ...process.env, TRIBUTARY_SERVICE: 'kinesis' },
          },
          connection,
        };
      },
      probe: probeKinesis,
    });
    return {
      name: 'kinesis',
      backend: 'local',
      version: KINESALITE_VERSION,
      startedAt: new Date().toISOString(),
      ...(context.runId === undefined ? {} : { runId: context.runId }),
      owner: { kind: 'process', process: launched.process },
      connection: launched.connection,
      logFile: context.logFile,
    };
  },

  check: (state, signal) => probeKinesis(state.connection, signal),

  isAlive: async (state) => state.owner.kind === 'process' && isRecordedProcessAlive(state.owner.process),

  async stop(state) {
    if (state.owner.kind === 'process' && isRecordedProcessAlive(state.owner.process)) {
      await killProcessGroup(state.owner.process.pgid);
    }
  },
};
