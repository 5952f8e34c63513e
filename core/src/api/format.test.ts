import { describe, expect, it } from 'vitest';
import { filePositionAt } from './format.js';

describe('filePositionAt', () => {
  it('reads a block format batch from its positions', () => {
    const batch = {
      records: ['a', 'b'],
      positions: [
        { offset: 100, recordsToSkip: 1 },
        { offset: 100, recordsToSkip: 2 },
      ],
      bytesRead: 0,
    };
    expect(filePositionAt(batch, 1)).toEqual({ offset: 100, recordsToSkip: 2 });
  });

  it('reads a line format batch from its end offsets, with nothing to skip', () => {
    const batch = { records: ['a', 'b'], endOffsets: [4, 9], bytesRead: 9 };
    expect(filePositionAt(batch, 0)).toEqual({ offset: 4, recordsToSkip: 0 });
    expect(filePositionAt(batch, 1)).toEqual({ offset: 9, recordsToSkip: 0 });
  });
});
