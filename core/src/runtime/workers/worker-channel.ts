import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CoreErrorCodes } from '../../errors/error-codes.js';
import { TributaryError } from '../../errors/tributary-error.js';
import type { ResolvedJobOptions } from '../job-options.js';
import type { MainToWorker, WorkerToMain } from './worker-protocol.js';

/** The main thread's end of one worker, thread or child process alike. */
export interface WorkerChannel {
  post(message: MainToWorker): void;
  onMessage(listener: (message: WorkerToMain) => void): void;
  /** The worker is gone (exit, crash, spawn failure): `reason` says how. Called once. */
  onGone(listener: (reason: string, error: Error | undefined) => void): void;
  /** Ends the worker; resolves when it is gone. */
  terminate(): Promise<void>;
}

export interface WorkerChannelSpec {
  readonly kind: 'threads' | 'processes';
  readonly index: number;
  /** URL of the job module the worker imports (decides whether a TypeScript loader is needed). */
  readonly moduleUrl: string;
  readonly resourceLimits: ResolvedJobOptions['workerResourceLimits'];
}

/** Env var set in worker processes, so a worker entry knows its transport. */
export const WORKER_PROCESS_ENV = 'TRIB_WORKER_PROCESS';

const SOURCE_CONDITION = '--conditions=@tributary/source';
const TYPESCRIPT = /\.[cm]?tsx?$/;

/**
 * The worker entry next to this file: `.ts` when the runtime itself runs from source (the repo's
 * tests and scripts, `@tributary/source` condition), `.js` in the built package.
 */
function workerEntryUrl(): URL {
  const fromSource = TYPESCRIPT.test(new URL(import.meta.url).pathname);
  return new URL(`./worker-entry.${fromSource ? 'ts' : 'js'}`, import.meta.url);
}

/** How workers load TypeScript (tsx), when the runtime or the job module is TypeScript. */
interface TypeScriptLoader {
  /** For `--import` in a worker process. */
  readonly importFlag: string;
  /** tsx's ESM API: a worker thread calls its `register()` (threads ignore `--import`). */
  readonly api: string;
}

function typeScriptLoader(entry: URL, moduleUrl: string): TypeScriptLoader | undefined {
  if (!TYPESCRIPT.test(entry.pathname) && !TYPESCRIPT.test(new URL(moduleUrl).pathname)) return undefined;
  try {
    const require = createRequire(import.meta.url);
    return {
      importFlag: pathToFileURL(require.resolve('tsx')).href,
      // `tsx/esm/api` resolves to its CommonJS build from require(); the ESM build sits next to it.
      api: pathToFileURL(require.resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href,
    };
  } catch (cause) {
    throw new TributaryError(
      CoreErrorCodes.INVALID_OPTIONS,
      `Job module ${moduleUrl} is TypeScript: workers load it with tsx, which is not installed. Add tsx as a dependency, or load the built .js module.`,
      { cause, context: { key: 'workers', module: moduleUrl } },
    );
  }
}

/** `--conditions` flags of this process (workers must resolve packages as the main thread does). */
function conditionFlags(entry: URL): string[] {
  const flags = process.execArgv.filter((a) => a.startsWith('--conditions=') || a.startsWith('-C='));
  if (TYPESCRIPT.test(entry.pathname) && !flags.includes(SOURCE_CONDITION)) flags.push(SOURCE_CONDITION);
  return flags;
}

export function openWorkerChannel(spec: WorkerChannelSpec): WorkerChannel {
  const entry = workerEntryUrl();
  const loader = typeScriptLoader(entry, spec.moduleUrl);
  return spec.kind === 'threads' ? threadChannel(entry, loader, spec) : processChannel(entry, loader, spec);
}

// Worker threads do not apply `--import` to their main module, so a small ESM bootstrap registers
// the TypeScript loader's hooks for the thread first, then imports the entry.
const BOOTSTRAP = `
const { workerData } = await import('node:worker_threads');
if (workerData.tsxApi) (await import(workerData.tsxApi)).register();
await import(workerData.entry);
`;

function threadChannel(
  entry: URL,
  loader: TypeScriptLoader | undefined,
  spec: WorkerChannelSpec,
): WorkerChannel {
  const limits = spec.resourceLimits;
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(BOOTSTRAP)}`), {
    workerData: { entry: entry.href, tsxApi: loader?.api },
    execArgv: conditionFlags(entry),
    name: `tributary-worker-${spec.index}`,
    ...(limits ? { resourceLimits: limits } : {}),
  });
  let goneListener: ((reason: string, error: Error | undefined) => void) | undefined;
  let lastError: Error | undefined;
  let gone = false;
  const exited = new Promise<void>((resolve) => {
    worker.on('exit', (code) => {
      gone = true;
      resolve();
      goneListener?.(`worker thread ${spec.index} exited with code ${code}`, lastError);
    });
  });
  worker.on('error', (error) => {
    lastError = error;
  });
  return {
    post: (message) => {
      if (!gone) worker.postMessage(message);
    },
    onMessage: (listener) => worker.on('message', listener),
    onGone: (listener) => {
      goneListener = listener;
    },
    terminate: async () => {
      if (!gone) await worker.terminate();
      await exited;
    },
  };
}

function processChannel(
  entry: URL,
  loader: TypeScriptLoader | undefined,
  spec: WorkerChannelSpec,
): WorkerChannel {
  const heap = spec.resourceLimits?.maxOldGenerationSizeMb;
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...conditionFlags(entry),
      ...(loader === undefined ? [] : ['--import', loader.importFlag]),
      ...(heap === undefined ? [] : [`--max-old-space-size=${heap}`]),
      fileURLToPath(entry),
    ],
    {
      // stdout/stderr go where the main process's go; the IPC channel carries the protocol with
      // structured clone ('advanced'), like postMessage between threads.
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
      env: { ...process.env, [WORKER_PROCESS_ENV]: String(spec.index) },
    },
  );
  let goneListener: ((reason: string, error: Error | undefined) => void) | undefined;
  let spawnError: Error | undefined;
  let gone = false;
  const exited = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      gone = true;
      resolve();
      goneListener?.(
        `worker process ${spec.index} (pid ${child.pid}) exited with ${signal ? `signal ${signal}` : `code ${code}`}`,
        spawnError,
      );
    });
  });
  child.on('error', (error) => {
    spawnError = error;
  });
  return {
    post: (message) => {
      if (!gone && child.connected) child.send(message);
    },
    onMessage: (listener) => child.on('message', (m) => listener(m as WorkerToMain)),
    onGone: (listener) => {
      goneListener = listener;
    },
    terminate: async () => {
      if (!gone) {
        // The worker exits on disconnect after closing its subtasks; a stuck one is killed.
        if (child.connected) child.disconnect();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
