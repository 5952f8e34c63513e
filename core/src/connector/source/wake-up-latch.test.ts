import { describe, expect, it } from 'vitest';
import { track, turns } from './testing-fixtures/event-loop.js';
import { WakeUpLatch } from './wake-up-latch.js';

describe('WakeUpLatch', () => {
  it('ends a sleep early on wakeUp and reports it', async () => {
    const latch = new WakeUpLatch();
    const sleeping = latch.sleep(60_000);
    latch.wakeUp();
    expect(await sleeping).toBe(true);
    expect(latch.consume()).toBe(false); // consumed by the sleep
  });

  it('keeps a wake-up that came before the wait (sticky), for exactly one wait', async () => {
    const latch = new WakeUpLatch();
    latch.wakeUp();
    expect(await latch.sleep(60_000)).toBe(true);
    expect(await latch.sleep(1)).toBe(false);
  });

  it('races work against a wake-up without leaving the dropped work unhandled', async () => {
    const latch = new WakeUpLatch();
    let fail!: (error: Error) => void;
    const work = new Promise<number>((_, reject) => {
      fail = reject;
    });
    const raced = latch.race(work);
    const state = track(raced);
    await turns(2);
    expect(state.settled()).toBe(false);
    latch.wakeUp();
    expect(await raced).toEqual({ woken: true });
    fail(new Error('dropped')); // must not surface as an unhandled rejection
    expect(await latch.race(Promise.resolve(7))).toEqual({ woken: false, value: 7 });
    await expect(latch.race(Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  });
});
