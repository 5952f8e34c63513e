import { describe, expect, it } from 'vitest';
import { TributaryError } from '../errors/tributary-error.js';
import { rejectionOf, thrownBy } from './caught-errors.js';

describe('thrownBy / rejectionOf', () => {
  it('return the thrown or rejected error', async () => {
    const error = new TributaryError('TRIB_INVALID_OPTIONS', 'bad');
    expect(
      thrownBy(() => {
        throw error;
      }),
    ).toBe(error);
    expect(await rejectionOf(Promise.reject(error))).toBe(error);
  });

  it('fail when nothing is thrown or rejected', async () => {
    expect(() => thrownBy(() => 1)).toThrow('expected a throw');
    await expect(rejectionOf(Promise.resolve(1))).rejects.toThrow('expected a rejection');
  });
});
