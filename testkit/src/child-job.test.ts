import { describe, expect, it } from 'vitest';
import { type CrashRun, showsNoCommittables } from './child-job.js';

function run(checkpointsStored: number, storedWithCommittables: number): CrashRun {
  return {
    run: 1,
    restoredFrom: 0,
    killed: true,
    killedBetweenStoredAndCommitted: false,
    killedOnStored: false,
    storedWithCommittables,
    checkpointsStored,
  };
}

describe('showsNoCommittables', () => {
  it('is false before any run stored a checkpoint (nothing known yet)', () => {
    expect(showsNoCommittables([])).toBe(false);
    expect(showsNoCommittables([run(0, 0)])).toBe(false);
  });

  it('is true once checkpoints were stored and none carried committables', () => {
    expect(showsNoCommittables([run(0, 0), run(3, 0)])).toBe(true);
  });

  it('is false when any run stored a checkpoint with committables', () => {
    expect(showsNoCommittables([run(3, 0), run(2, 1)])).toBe(false);
  });
});
