import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../harness/free-port.js';
import { killProcessGroup, spawnDetached, tailFile } from '../harness/process-group.js';
import { waitUntil } from '../harness/wait-until.js';

/** What {@link startLoopbackServer} runs: a Prometheus-family binary answering `/-/ready`. */
export interface LoopbackServerSpec {
  /** Short name for the temp directory, the log file and messages (`prometheus`, `pushgateway`). */
  readonly name: string;
  readonly binary: string;
  /** Arguments given the free port and the server's own directory. */
  readonly args: (port: number, dir: string) => readonly string[];
  /** Writes config files into the server's directory before it starts. */
  readonly prepare?: (dir: string) => Promise<void>;
  readonly readyTimeoutMs: number;
  readonly log?: (message: string) => void;
}

/** A started server: its URL, its directory, and a stop that kills it and deletes the directory. */
export interface LoopbackServer {
  readonly url: string;
  readonly dir: string;
  stop(): Promise<void>;
}

/**
 * Starts `binary` in its own process group and temp directory on a free loopback port and waits
 * for `/-/ready`; failing or timing out, it stops the server and deletes the directory first.
 */
export async function startLoopbackServer(spec: LoopbackServerSpec): Promise<LoopbackServer> {
  const dir = await mkdtemp(join(tmpdir(), `trib-${spec.name}-`));
  await spec.prepare?.(dir);
  const port = await freePort();
  const logFile = join(dir, `${spec.name}.log`);
  const child = spawnDetached({ command: spec.binary, args: [...spec.args(port, dir)], logFile, cwd: dir });
  const url = `http://127.0.0.1:${port}`;
  spec.log?.(`${spec.name} ${spec.binary} starting on ${url}`);
  const stop = async () => {
    await killProcessGroup(child.pgid, 5_000).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil(
      async (signal) => {
        const ready = await fetch(`${url}/-/ready`, { signal });
        if (!ready.ok) throw new Error(`/-/ready answered ${ready.status}`);
      },
      {
        what: `${spec.name} to be ready`,
        timeoutMs: spec.readyTimeoutMs,
        failFast: () => (child.exited() ? `${spec.name} exited` : undefined),
        diagnostics: () => `\n${tailFile(logFile)}`,
      },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, dir, stop };
}
