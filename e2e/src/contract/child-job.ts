import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** How to start a job script in a child process. */
export interface ChildJobSpec {
  /** Absolute path of a TypeScript (or JS) module that runs the job and exits 0 when it finished. */
  readonly script: string;
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Called for every stdout line the child prints (phase markers, progress). */
  readonly onLine?: (line: string) => void;
}

/** A started child job. */
export interface RunningChildJob {
  readonly child: ChildProcess;
  /** Resolves with the exit code (or the signal that ended it). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything the child wrote to stderr (for failure messages). */
  stderr(): string;
}

/**
 * Starts a job script with tsx and the workspace's source condition, so the child runs the same
 * code the tests import. stdout is parsed line by line.
 */
export function startChildJob(spec: ChildJobSpec): RunningChildJob {
  const tsx = require.resolve('tsx');
  const child = spawn(
    process.execPath,
    ['--conditions=@tributary/source', '--import', tsx, spec.script, ...(spec.args ?? [])],
    { env: { ...process.env, ...spec.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  let pending = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    let nl = pending.indexOf('\n');
    while (nl >= 0) {
      spec.onLine?.(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
      nl = pending.indexOf('\n');
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err = (err + chunk).slice(-20_000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  return { child, exited, stderr: () => err };
}

export interface CrashLoopOptions extends ChildJobSpec {
  /** SIGKILLs to deliver before letting the job finish. */
  readonly kills: number;
  /** A kill happens at a random moment in [minKillDelayMs, maxKillDelayMs] after a (re)start. */
  readonly minKillDelayMs: number;
  readonly maxKillDelayMs: number;
  /**
   * Optional per-run kill window `[min, max]` (ms), instead of the two above: e.g. a longer
   * fallback for runs meant to die on a `killOnLine` match, so the timer rarely pre-empts it.
   */
  readonly killDelayForRun?: (run: number) => readonly [number, number];
  /**
   * Optional: kill as soon as a stdout line matches (e.g. between pre-commit and commit). Checked
   * in addition to the timer; each run is killed at most once.
   */
  readonly killOnLine?: (line: string, run: number) => boolean;
  /** Whole loop deadline. */
  readonly timeoutMs: number;
  /**
   * Called when run `run` (1, 2, …) starts; `final` is true for the run the loop will not kill
   * (all kills delivered). An unbounded job's test uses it to tell that run to stop by itself.
   */
  readonly onRunStart?: (run: number, final: boolean) => void;
  /** Random source (seeded in tests for reproducibility). */
  readonly random?: () => number;
}

export interface CrashLoopResult {
  readonly kills: number;
  readonly runs: number;
  /** Runs that exited by themselves with code 0 before the kill quota (the job finished early). */
  readonly finishedEarly: boolean;
}

/**
 * Runs a job in a child process and kills it with SIGKILL at random moments, restarting it each
 * time with the same arguments (same checkpoint directory), until `kills` kills happened; then lets
 * the last run finish. Rejects if a run exits non-zero on its own (the job failed).
 */
export async function runWithCrashes(options: CrashLoopOptions): Promise<CrashLoopResult> {
  const random = options.random ?? Math.random;
  const deadline = Date.now() + options.timeoutMs;
  let kills = 0;
  let runs = 0;
  for (;;) {
    if (Date.now() > deadline)
      throw new Error(`crash loop exceeded ${options.timeoutMs} ms after ${kills} kills`);
    runs++;
    const run = runs;
    const wantKill = kills < options.kills;
    let killed = false;
    let job: RunningChildJob | undefined;
    const kill = () => {
      if (killed || !wantKill || !job) return;
      killed = true;
      job.child.kill('SIGKILL');
    };
    job = startChildJob({
      ...options,
      onLine: (line) => {
        options.onLine?.(line);
        if (options.killOnLine?.(line, run)) kill();
      },
    });
    options.onRunStart?.(run, !wantKill);
    const [minDelay, maxDelay] = options.killDelayForRun?.(run) ?? [
      options.minKillDelayMs,
      options.maxKillDelayMs,
    ];
    const delay = minDelay + random() * (maxDelay - minDelay);
    const timer = wantKill ? setTimeout(kill, delay) : undefined;
    const lastRunTimer = wantKill
      ? undefined
      : setTimeout(() => job?.child.kill('SIGKILL'), Math.max(0, deadline - Date.now()));
    const { code, signal } = await job.exited;
    clearTimeout(timer);
    clearTimeout(lastRunTimer);
    if (killed && signal === 'SIGKILL') {
      kills++;
      continue;
    }
    if (code === 0) return { kills, runs, finishedEarly: kills < options.kills };
    throw new Error(`job run ${run} exited with ${code ?? signal}:\n${job.stderr()}`);
  }
}
