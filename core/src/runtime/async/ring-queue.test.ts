import { describe, expect, it } from 'vitest';
import { RingQueue } from './ring-queue.js';

describe('RingQueue', () => {
  it('is first in, first out across wrap-around and growth', () => {
    const queue = new RingQueue<number>(2);
    const expected: number[] = [];
    let next = 0;
    // Interleave pushes and shifts so the head wraps around before and after each growth.
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < (round % 7) + 1; i++) {
        queue.push(next);
        expected.push(next++);
      }
      for (let i = 0; i < (round % 3) + 1 && expected.length > 0; i++) {
        expect(queue.peek()).toBe(expected[0]);
        expect(queue.shift()).toBe(expected.shift());
      }
      expect(queue.size).toBe(expected.length);
      expect(queue.toArray()).toEqual(expected);
    }
    while (expected.length > 0) expect(queue.shift()).toBe(expected.shift());
    expect(queue.shift()).toBeUndefined();
    expect(queue.peek()).toBeUndefined();
    expect(queue.size).toBe(0);
  });
});
