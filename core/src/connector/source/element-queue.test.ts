import { describe, expect, it } from 'vitest';
import { ElementQueue } from './element-queue.js';
import { track, turns } from './testing-fixtures/event-loop.js';

describe('ElementQueue', () => {
  it('takes elements up to its capacity at once and hands them out in order', async () => {
    const queue = new ElementQueue<string>(2);
    expect(await queue.put(0, 'a')).toBe(true);
    expect(await queue.put(0, 'b')).toBe(true);
    expect(queue.size).toBe(2);
    expect(queue.poll()).toBe('a');
    expect(queue.poll()).toBe('b');
    expect(queue.poll()).toBeUndefined();
  });

  it('makes a producer wait while full and hands it the freed slot on poll', async () => {
    const queue = new ElementQueue<string>(1);
    await queue.put(0, 'a');
    const second = queue.put(1, 'b');
    const third = queue.put(2, 'c');
    const secondState = track(second);
    await turns(3);
    expect(secondState.settled()).toBe(false);
    expect(queue.waitingPutters).toBe(2);

    expect(queue.poll()).toBe('a');
    expect(await second).toBe(true);
    expect(queue.size).toBe(1); // 'b' took the slot; 'c' still waits
    expect(queue.poll()).toBe('b');
    expect(await third).toBe(true);
    expect(queue.poll()).toBe('c');
  });

  it('lets one waiting producer be woken up without putting', async () => {
    const queue = new ElementQueue<string>(1);
    await queue.put(0, 'a');
    const waiting = queue.put(7, 'b');
    queue.wakeUpPutter(3); // another producer: no effect
    queue.wakeUpPutter(7);
    expect(await waiting).toBe(false);
    expect(queue.poll()).toBe('a');
    expect(queue.poll()).toBeUndefined();
  });

  it('resolves availability on the first put into an empty queue (no lost wake-up)', async () => {
    const queue = new ElementQueue<number>();
    const available = track(queue.availability());
    await turns(3);
    expect(available.settled()).toBe(false);
    await queue.put(0, 1);
    await turns(1);
    expect(available.settled()).toBe(true);
    // Non-empty: resolved at once; drained: pending again.
    const immediate = track(queue.availability());
    await turns(1);
    expect(immediate.settled()).toBe(true);
    queue.poll();
    const again = track(queue.availability());
    await turns(3);
    expect(again.settled()).toBe(false);
  });

  it('wakes availability waiters on notifyAvailable even when empty', async () => {
    const queue = new ElementQueue<number>();
    const available = track(queue.availability());
    queue.notifyAvailable();
    await turns(1);
    expect(available.settled()).toBe(true);
  });

  it('rejects a capacity below one', () => {
    expect(() => new ElementQueue(0)).toThrow(RangeError);
    expect(() => new ElementQueue(1.5)).toThrow(RangeError);
  });
});
