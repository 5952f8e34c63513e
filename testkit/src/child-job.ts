import { type ChildProcess, spawn } from 'node:child_process';
import { type PhaseMarker, parsePhaseMarker } from '@tributary/core';
import { childNodeArgs } from './typescript-loader.js';

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
 * Starts a job script (TypeScript through tsx) so the child runs the same code the tests import:
 * the built packages when this kit is installed, the workspace sources inside the Tributary
 * repository. stdout is parsed line by line.
 */
export function startChildJob(spec: ChildJobSpec): RunningChildJob {
  const child = spawn(process.execPath, [...childNodeArgs(), spec.script, ...(spec.args ?? [])], {
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
  readonly killDelayForRun?: (run: number, previous: readonly CrashRun[]) => readonly [number, number];
  /**
   * Optional: kill as soon as a stdout line matches (e.g. between pre-commit and commit). Checked
   * in addition to the timer; each run is killed at most once.
   */
  readonly killOnLine?: (line: string, run: number) => boolean;
  /**
   * Runs (1, 2, …) to kill on the runtime's `stored` phase marker: right after a checkpoint with
   * committables became durable and before they are committed (the runtime holds
   * `phaseHoldMs` there). The timer stays their fallback. Default: none.
   */
  readonly killOnStored?: (run: number, previous: readonly CrashRun[]) => boolean;
  /**
   * What the kill delay counts from: the child's spawn (default; kills may land in start-up) or
   * its runtime's `restored` marker (the job runs: on a loaded machine a start-up can outlast
   * the whole window, and such kills prove nothing about recovery). With `restored`, a run that
   * never prints the marker is killed 30 s after its spawn. `running`: from the runtime's `running`
   * marker, printed once every subtask's reader registered (subtasks in workers start well after
   * `restored`: the workers load the job module first). `committed`: from the run's first
   * `committed` marker — the run restored, wrote, and completed and committed a checkpoint of its
   * own, so the kill throws away work of this run that a restore must redo (on a loaded machine
   * the first checkpoint after a restore can take longer than any fixed window); a run that
   * commits nothing within 60 s of its spawn is killed then.
   */
  readonly killDelayFrom?: 'spawn' | 'restored' | 'running' | 'committed';
  /**
   * How long the child's runtime holds after a `stored` marker. Default 150 ms with
   * `killOnStored`, else 0 (the hold slows every checkpoint with committables).
   */
  readonly phaseHoldMs?: number;
  /** Whole loop deadline: keep it below the test timeout, so a stuck loop fails with a diagnosis. */
  readonly timeoutMs: number;
  /**
   * Called when run `run` (1, 2, …) starts; `final` is true for the run the loop will not kill
   * (all kills delivered). An unbounded job's test uses it to tell that run to stop by itself.
   */
  readonly onRunStart?: (run: number, final: boolean) => void;
  /** Random source; default: seeded from {@link seed}. */
  readonly random?: () => number;
  /** Seed of the kill schedule (printed on failure). Default: `TRIB_CRASH_SEED` or the clock. */
  readonly seed?: number;
}

/** What one run of the loop saw. */
export interface CrashRun {
  readonly run: number;
  /** Checkpoint the run restored from (`restored` marker; 0: from nothing; undefined: none seen). */
  readonly restoredFrom: number | undefined;
  readonly killed: boolean;
  /** The run died after a checkpoint with committables was stored and before it was committed. */
  readonly killedBetweenStoredAndCommitted: boolean;
  /** The run was killed on its `stored` marker (`killOnStored`), not by the timer. */
  readonly killedOnStored: boolean;
  /** Checkpoints with committables this run stored (0 throughout: the sink has no committer). */
  readonly storedWithCommittables: number;
  /** Checkpoints this run stored, with or without committables (`stored` markers). */
  readonly checkpointsStored: number;
}

export interface CrashLoopResult {
  readonly kills: number;
  readonly runs: number;
  /** Runs that exited by themselves with code 0 before the kill quota (the job finished early). */
  readonly finishedEarly: boolean;
  readonly seed: number;
  readonly perRun: readonly CrashRun[];
  /** Runs that restored from a checkpoint with id > 0. */
  readonly restoredRuns: number;
  /** Kills that landed between "checkpoint stored" and "committed". */
  readonly killsBetweenStoredAndCommitted: number;
  /** Checkpoints with committables stored over all runs (0: a sink without a committer). */
  readonly storedWithCommittables: number;
  /** One line per run, for assertion messages: seed, restores, where each kill landed. */
  readonly summary: string;
}

/**
 * Earlier runs stored checkpoints and none of them carried committables: the sink has no
 * committer (exactly-once by idempotent writes), so a `killOnStored` run would only ever die by
 * its fallback timer.
 */
export function showsNoCommittables(previous: readonly CrashRun[]): boolean {
  return (
    previous.some((run) => run.checkpointsStored > 0) &&
    previous.every((run) => run.storedWithCommittables === 0)
  );
}

/** mulberry32: a small seeded generator, so a failing kill schedule can be replayed. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The seed of a crash loop: `TRIB_CRASH_SEED` replays a printed one. */
export function crashSeed(): number {
  const fromEnv = Number(process.env.TRIB_CRASH_SEED);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : (Date.now() % 1_000_000) + 1;
}

/** Phase markers of one run, as the runtime printed them (see `@tributary/core` phase markers). */
class RunPhases {
  restoredFrom: number | undefined;
  /** Stored checkpoints with committables, and whether each was committed. */
  readonly stored = new Map<number, boolean>();
  /** `stored` markers seen, with or without committables. */
  checkpointsStored = 0;

  see(line: string): PhaseMarker | undefined {
    const marker = parsePhaseMarker(line);
    if (!marker) return undefined;
    if (marker.phase === 'restored') this.restoredFrom ??= marker.checkpointId;
    else if (marker.phase === 'stored') {
      this.checkpointsStored++;
      if (Number(marker.details[0]) > 0) this.stored.set(marker.checkpointId, false);
    } else if (marker.phase === 'committed') this.stored.set(marker.checkpointId, true);
    return marker;
  }

  /** A stored checkpoint never committed by this run: a kill landed between the two phases. */
  diedBetween(): boolean {
    return [...this.stored.values()].some((committed) => !committed);
  }
}

/**
 * Runs a job in a child process and kills it with SIGKILL at random moments (seeded), restarting
 * it each time with the same arguments (same checkpoint directory), until `kills` kills happened;
 * then lets the last run finish. The child runs with the runtime's phase markers on, so the result
 * tells which runs restored from a checkpoint and which kills landed between "checkpoint stored"
 * and "committed". Rejects, with the seed and the per-run summary, if a run exits non-zero on its
 * own (the job failed) or the loop passes its deadline.
 */
export async function runWithCrashes(options: CrashLoopOptions): Promise<CrashLoopResult> {
  const seed = options.seed ?? crashSeed();
  const random = options.random ?? seededRandom(seed);
  const deadline = Date.now() + options.timeoutMs;
  const perRun: CrashRun[] = [];
  const describe = () => summarize(seed, perRun);
  let kills = 0;
  let runs = 0;
  for (;;) {
    if (Date.now() > deadline)
      throw new Error(`crash loop exceeded ${options.timeoutMs} ms after ${kills} kills; ${describe()}`);
    runs++;
    const run = runs;
    const wantKill = kills < options.kills;
    const onStored = wantKill && (options.killOnStored?.(run, perRun) ?? false);
    const phases = new RunPhases();
    let killed = false;
    let killedOnStored = false;
    let job: RunningChildJob | undefined;
    let timer: NodeJS.Timeout | undefined;
    const kill = () => {
      if (killed || !wantKill || !job) return;
      killed = true;
      job.child.kill('SIGKILL');
    };
    const [minDelay, maxDelay] = options.killDelayForRun?.(run, perRun) ?? [
      options.minKillDelayMs,
      options.maxKillDelayMs,
    ];
    const delay = minDelay + random() * (maxDelay - minDelay);
    const fromMarker = options.killDelayFrom !== undefined && options.killDelayFrom !== 'spawn';
    const fromCommit = options.killDelayFrom === 'committed';
    let timerFromMarker = false;
    job = startChildJob({
      ...options,
      env: {
        TRIB_TEST_PHASE_MARKERS: '1',
        TRIB_TEST_PHASE_HOLD_MS: String(options.phaseHoldMs ?? (options.killOnStored ? 150 : 0)),
        ...options.env,
      },
      onLine: (line) => {
        const marker = phases.see(line);
        if (
          fromMarker &&
          wantKill &&
          !timerFromMarker &&
          marker?.phase === options.killDelayFrom &&
          (fromCommit || phases.restoredFrom === marker.checkpointId)
        ) {
          timerFromMarker = true;
          clearTimeout(timer);
          timer = setTimeout(kill, delay);
        }
        options.onLine?.(line);
        if (onStored && !killed && marker?.phase === 'stored' && Number(marker.details[0]) > 0) {
          killedOnStored = true;
          kill();
        }
        if (options.killOnLine?.(line, run)) kill();
      },
    });
    options.onRunStart?.(run, !wantKill);
    if (wantKill) timer = setTimeout(kill, fromMarker ? (fromCommit ? 60_000 : 30_000) : delay);
    const lastRunTimer = wantKill
      ? undefined
      : setTimeout(() => job?.child.kill('SIGKILL'), Math.max(0, deadline - Date.now()));
    const { code, signal } = await job.exited;
    clearTimeout(timer);
    clearTimeout(lastRunTimer);
    const diedByKill = killed && signal === 'SIGKILL';
    perRun.push({
      run,
      restoredFrom: phases.restoredFrom,
      killed: diedByKill,
      killedBetweenStoredAndCommitted: diedByKill && phases.diedBetween(),
      killedOnStored: diedByKill && killedOnStored,
      storedWithCommittables: phases.stored.size,
      checkpointsStored: phases.checkpointsStored,
    });
    if (diedByKill) {
      kills++;
      continue;
    }
    if (code === 0) {
      return {
        kills,
        runs,
        finishedEarly: kills < options.kills,
        seed,
        perRun,
        restoredRuns: perRun.filter((r) => (r.restoredFrom ?? 0) > 0).length,
        killsBetweenStoredAndCommitted: perRun.filter((r) => r.killedBetweenStoredAndCommitted).length,
        storedWithCommittables: perRun.reduce((sum, r) => sum + r.storedWithCommittables, 0),
        summary: describe(),
      };
    }
    const why =
      signal === 'SIGKILL' && !killed ? 'killed at the loop deadline' : `exited with ${code ?? signal}`;
    throw new Error(`job run ${run} ${why}; ${describe()}:\n${job.stderr()}`);
  }
}

function summarize(seed: number, perRun: readonly CrashRun[]): string {
  const runs = perRun.map((r) => {
    const how = r.killedBetweenStoredAndCommitted ? 'killed stored→committed' : r.killed ? 'killed' : 'ended';
    return `${r.run}:restored=${r.restoredFrom ?? '?'},${how}${r.killedOnStored ? '(marker)' : ''}`;
  });
  return `seed ${seed} (replay: TRIB_CRASH_SEED=${seed}); runs ${runs.join(' ')}`;
}
