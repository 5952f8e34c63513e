import type { CrashLoopResult, CrashRun } from '@tributary/e2e';
import { describe, expect, it } from 'vitest';
import { CdcCrashSchedule } from './cdc-crash-schedule.js';

/** Feeds one run's lines; returns the line it was killed on (undefined: left to the timer). */
function run(schedule: CdcCrashSchedule, n: number, lines: string[]): string | undefined {
  schedule.killDelayForRun(n);
  return lines.find((line) => schedule.killOnLine(line, n));
}

const crashRun = (n: number, killed: boolean, storedNotCommitted = false): CrashRun => ({
  run: n,
  restoredFrom: n - 1,
  killed,
  killedBetweenStoredAndCommitted: storedNotCommitted,
  killedOnStored: false,
  storedWithCommittables: 1,
  checkpointsStored: 1,
});

describe('CdcCrashSchedule', () => {
  it('aims at the snapshot, then the switch markers, then the binlog, and tallies by what each run printed', () => {
    const s = new CdcCrashSchedule({ kills: 7, snapshot: 2, onSnapshotDone: 1, onBinlogAssigned: 1 });
    // 1: snapshot by timer (nothing on a line kills it).
    expect(run(s, 1, ['rows snapshot', 'TRIB_PHASE stored 2 2'])).toBeUndefined();
    // 2: snapshot, on the first stored checkpoint with committables after snapshot rows.
    expect(run(s, 2, ['TRIB_PHASE stored 3 0', 'rows snapshot', 'TRIB_PHASE stored 4 2'])).toBe(
      'TRIB_PHASE stored 4 2',
    );
    // 3: the switch, on the checkpoint that completes the snapshot.
    expect(run(s, 3, ['rows snapshot', 'TRIB_PHASE stored 5 2', 'TRIB_PHASE cdc-snapshot-done 6'])).toBe(
      'TRIB_PHASE cdc-snapshot-done 6',
    );
    // 4: the switch, when the binlog split is handed out (snapshot-done passes).
    expect(
      run(s, 4, ['rows snapshot', 'TRIB_PHASE cdc-snapshot-done 7', 'TRIB_PHASE cdc-binlog-assigned 7']),
    ).toBe('TRIB_PHASE cdc-binlog-assigned 7');
    // 5, 6: binlog, between stored and committed, then mid-stream (after 100 of its rows).
    expect(run(s, 5, ['TRIB_PHASE stored 8 1', 'rows binlog', 'TRIB_PHASE stored 9 1'])).toBe(
      'TRIB_PHASE stored 9 1',
    );
    expect(run(s, 6, ['rows binlog', 'TRIB_PHASE stored 10 1', 'rows binlog 100'])).toBe('rows binlog 100');
    // 7: a start-up kill by timer; 8: the final run is never killed on a line.
    expect(run(s, 7, [])).toBeUndefined();
    expect(run(s, 8, ['rows binlog', 'TRIB_PHASE stored 11 1', 'TRIB_PHASE cdc-binlog-assigned 7'])).toBe(
      undefined,
    );

    const outcome = {
      perRun: [
        crashRun(1, true),
        crashRun(2, true, true),
        crashRun(3, true),
        crashRun(4, true),
        crashRun(5, true, true),
        crashRun(6, true),
        crashRun(7, true),
        crashRun(8, false),
      ],
    } as unknown as CrashLoopResult;
    expect(s.tally(outcome)).toEqual({
      snapshot: 2,
      switch: 2,
      binlog: 2,
      'start-up': 1,
      storedNotCommitted: { snapshot: 1, switch: 0, binlog: 1, 'start-up': 0 },
    });
    expect(s.describe()).toContain('3:snapshot-done→switch@cdc-snapshot-done');
  });

  it('kills a snapshot-aimed run at the switch when the snapshot ends sooner than planned', () => {
    const s = new CdcCrashSchedule({ kills: 3, snapshot: 3, onSnapshotDone: 1, onBinlogAssigned: 1 });
    expect(run(s, 1, ['rows snapshot', 'TRIB_PHASE cdc-snapshot-done 3'])).toBe(
      'TRIB_PHASE cdc-snapshot-done 3',
    );
    // The switch was reached: no more snapshot targets; a run restored past it dies in the binlog.
    expect(run(s, 2, ['TRIB_PHASE cdc-binlog-assigned 3'])).toBe('TRIB_PHASE cdc-binlog-assigned 3');
    expect(run(s, 3, ['rows binlog', 'TRIB_PHASE stored 5 1'])).toBe('TRIB_PHASE stored 5 1');
  });
});
