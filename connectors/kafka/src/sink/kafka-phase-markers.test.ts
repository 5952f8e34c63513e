import { afterEach, describe, expect, it, vi } from 'vitest';

/** The module reads its env vars once, at import: each case imports a fresh copy. */
async function freshMarkers(env: Record<string, string | undefined>) {
  for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
  vi.resetModules();
  return import('./kafka-phase-markers.js');
}

describe('kafka phase markers (crash-test hook)', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  it('prints nothing and does not wait when off', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const markers = await freshMarkers({ TRIB_KAFKA_TEST_PHASE_MARKERS: undefined });
    expect(markers.phaseMarkersEnabled()).toBe(false);
    await markers.emitPhaseMarker('precommitted', ['t-0-1']);
    expect(write).not.toHaveBeenCalled();
  });

  it('prints one line per phase naming the transactional ids', async () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    const markers = await freshMarkers({ TRIB_KAFKA_TEST_PHASE_MARKERS: '1' });
    await markers.emitPhaseMarker('precommitted', ['t-0-3', 't-1-3']);
    await markers.emitPhaseMarker('committed', ['t-0-3', 't-1-3']);
    expect(lines).toEqual([
      'TRIB_KAFKA_PHASE precommitted t-0-3,t-1-3\n',
      'TRIB_KAFKA_PHASE committed t-0-3,t-1-3\n',
    ]);
  });

  it('holds after the pre-commit line for the configured time, not after the commit line', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const markers = await freshMarkers({
      TRIB_KAFKA_TEST_PHASE_MARKERS: '1',
      TRIB_KAFKA_TEST_PHASE_HOLD_MS: '500',
    });
    vi.useFakeTimers();
    let held = true;
    const pending = markers.emitPhaseMarker('precommitted', ['t-0-1']).then(() => {
      held = false;
    });
    await vi.advanceTimersByTimeAsync(499);
    expect(held).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    await pending;
    expect(held).toBe(false);
    await markers.emitPhaseMarker('committed', ['t-0-1']); // resolves without timers advancing
  });
});
