/**
 * Test-only: where the CDC crash test's SIGKILLs go. Each run of `runWithCrashes` gets a target
 * from the progress so far — snapshot kills first (by timer, or on a checkpoint stored before its
 * commit), then the switch (on the enumerator's `cdc-snapshot-done` / `cdc-binlog-assigned`
 * phase markers), then the binlog phase (mid-stream, or between stored and committed) — and every
 * kill is classified afterwards by what its run had printed: binlog rows, a switch marker,
 * snapshot rows. The classification, not the plan, is what the test asserts.
 */
import { parsePhaseMarker } from '@tributary/core';
import type { CrashLoopResult } from '@tributary/e2e';

/** Where a kill landed. `start-up`: before the run emitted a row or reached the switch. */
export type CdcCrashPhase = 'snapshot' | 'switch' | 'binlog' | 'start-up';

type Target =
  | 'snapshot-timer'
  | 'snapshot-stored'
  | 'snapshot-done'
  | 'binlog-assigned'
  | 'binlog-midstream'
  | 'binlog-stored'
  | 'none';

/** What one run printed up to its end. */
interface RunView {
  readonly target: Target;
  snapshotRows: boolean;
  binlogRows: boolean;
  switchMarker: boolean;
  /** The line the parent killed on (undefined: the timer, or not killed). */
  killedOn: string | undefined;
}

/** How many kills to aim at each part; the rest go to the binlog phase. */
export interface CdcCrashPlan {
  readonly kills: number;
  readonly snapshot: number;
  readonly onSnapshotDone: number;
  readonly onBinlogAssigned: number;
}

/** Kills per phase, and of those the kills between "checkpoint stored" and "committed". */
export type CdcCrashTally = Record<CdcCrashPhase, number> & {
  readonly storedNotCommitted: Readonly<Record<CdcCrashPhase, number>>;
};

const TIMER_MS: Partial<Record<Target, readonly [number, number]>> = {
  'snapshot-timer': [600, 1500],
};
/**
 * Marker targets: the timer is only a fallback, long enough for a loaded machine to finish the
 * snapshot (a fallback kill would land in the snapshot again, and the next run would start over).
 */
const FALLBACK_MS = [60_000, 70_000] as const;

export class CdcCrashSchedule {
  private readonly runs = new Map<number, RunView>();
  private switchReached = false;
  private binlogAssignedSeen = false;

  constructor(private readonly plan: CdcCrashPlan) {}

  /** For `runWithCrashes`' `killDelayForRun`: picks run `run`'s target, returns its timer window. */
  readonly killDelayForRun = (run: number): readonly [number, number] => {
    const target = this.nextTarget(run);
    this.runs.set(run, {
      target,
      snapshotRows: false,
      binlogRows: false,
      switchMarker: false,
      killedOn: undefined,
    });
    return TIMER_MS[target] ?? FALLBACK_MS;
  };

  /** For `runWithCrashes`' `killOnLine`. */
  readonly killOnLine = (line: string, run: number): boolean => {
    const view = this.runs.get(run);
    if (view === undefined) return false;
    const marker = parsePhaseMarker(line);
    if (line === 'rows snapshot') view.snapshotRows = true;
    else if (line === 'rows binlog') view.binlogRows = true;
    else if (marker?.phase === 'cdc-snapshot-done' || marker?.phase === 'cdc-binlog-assigned') {
      view.switchMarker = true;
      this.switchReached = true;
      if (marker.phase === 'cdc-binlog-assigned') this.binlogAssignedSeen = true;
    }
    if (view.killedOn !== undefined || !wantsKill(view, line, marker?.phase, Number(marker?.details[0] ?? 0)))
      return false;
    view.killedOn = marker?.phase ?? line;
    return true;
  };

  /** Where each kill of `outcome` landed. */
  tally(outcome: CrashLoopResult): CdcCrashTally {
    const phases = { snapshot: 0, switch: 0, binlog: 0, 'start-up': 0 };
    const storedNotCommitted = { ...phases };
    const tally = { ...phases };
    for (const run of outcome.perRun) {
      if (!run.killed) continue;
      const phase = this.phaseOf(run.run);
      tally[phase]++;
      if (run.killedBetweenStoredAndCommitted) storedNotCommitted[phase]++;
    }
    return { ...tally, storedNotCommitted };
  }

  /** One word per run (target → phase, marker), for assertion messages. */
  describe(): string {
    return [...this.runs.entries()]
      .map(([run, v]) => `${run}:${v.target}→${this.phaseOf(run)}${v.killedOn ? `@${v.killedOn}` : ''}`)
      .join(' ');
  }

  private phaseOf(run: number): CdcCrashPhase {
    const view = this.runs.get(run);
    if (view?.binlogRows) return 'binlog';
    if (view?.switchMarker) return 'switch';
    return view?.snapshotRows ? 'snapshot' : 'start-up';
  }

  private nextTarget(run: number): Target {
    if (run > this.plan.kills) return 'none';
    const previous = [...this.runs.keys()].filter((r) => r < run);
    const count = (phase: CdcCrashPhase) => previous.filter((r) => this.phaseOf(r) === phase).length;
    const killedOn = (marker: string) => previous.filter((r) => this.runs.get(r)?.killedOn === marker).length;
    const snapshotKills = count('snapshot');
    if (!this.switchReached && snapshotKills < this.plan.snapshot)
      return snapshotKills % 2 === 0 ? 'snapshot-timer' : 'snapshot-stored';
    if (!this.binlogAssignedSeen && killedOn('cdc-snapshot-done') < this.plan.onSnapshotDone)
      return 'snapshot-done';
    if (killedOn('cdc-binlog-assigned') < this.plan.onBinlogAssigned && count('binlog') === 0)
      return 'binlog-assigned';
    return count('binlog') % 2 === 0 ? 'binlog-stored' : 'binlog-midstream';
  }
}

/** Whether a run with target `view.target` dies on `line` (a marker's phase and first detail). */
function wantsKill(view: RunView, line: string, phase: string | undefined, detail: number): boolean {
  const storedWithCommittables = phase === 'stored' && detail > 0;
  switch (view.target) {
    case 'none':
      return false;
    case 'snapshot-timer':
    case 'snapshot-stored':
      // A snapshot that ends sooner than planned: the switch is the next place to hit.
      if (phase === 'cdc-snapshot-done') return true;
      return view.target === 'snapshot-stored' && view.snapshotRows && storedWithCommittables;
    case 'snapshot-done':
    case 'binlog-assigned':
      if (phase === 'cdc-binlog-assigned') return true;
      if (view.target === 'snapshot-done' && phase === 'cdc-snapshot-done') return true;
      // Restored past the switch: a binlog kill instead.
      return view.binlogRows && storedWithCommittables;
    case 'binlog-stored':
      return view.binlogRows && storedWithCommittables;
    case 'binlog-midstream':
      // After 100 binlog rows of this run (timed from `running`, a kill could land before the
      // binlog reader caught up, and every restart would start over from the same offset).
      return phase === undefined && /^rows binlog \d+$/.test(line);
  }
}
