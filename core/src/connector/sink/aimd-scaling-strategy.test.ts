import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../errors/tributary-error.js';
import { AIMDScalingStrategy } from './aimd-scaling-strategy.js';

describe('AIMDScalingStrategy', () => {
  it('increases additively up to the threshold', () => {
    const s = new AIMDScalingStrategy({ increaseRate: 10, rateThreshold: 25 });
    expect(s.scaleUp(4)).toBe(14);
    expect(s.scaleUp(14)).toBe(24);
    expect(s.scaleUp(24)).toBe(25);
  });

  it('decreases multiplicatively, never below 1', () => {
    const s = new AIMDScalingStrategy({ decreaseFactor: 0.5, rateThreshold: 100 });
    expect(s.scaleDown(100)).toBe(50);
    expect(s.scaleDown(3)).toBe(1);
    expect(s.scaleDown(1)).toBe(1);
  });

  it('rejects bad settings with a typed error naming the setting', () => {
    for (const [options, key] of [
      [{ rateThreshold: 10, increaseRate: 0 }, 'increaseRate'],
      [{ rateThreshold: 10, decreaseFactor: 1 }, 'decreaseFactor'],
      [{ rateThreshold: 0 }, 'rateThreshold'],
    ] as const) {
      let caught: unknown;
      try {
        new AIMDScalingStrategy(options);
      } catch (error) {
        caught = error;
      }
      expect(hasErrorCode(caught, 'TRIB_INVALID_OPTIONS')).toBe(true);
      expect((caught as Error).message).toContain(key);
    }
  });
});
