import { describe, expect, it } from 'vitest';
import { collectBatch, type SourceOutput } from '../../api/source.js';
import { SplitOutputTap } from './split-output-tap.js';

/** An output with `collect` only (no `collectBatch`), recording what it got. */
function recordOnly() {
  const got: [string, number | undefined][] = [];
  const output: SourceOutput<string> = {
    collect: (record, timestamp) => got.push([record, timestamp]),
    emitWatermark: () => undefined,
    markIdle: () => undefined,
    markActive: () => undefined,
  };
  return { got, output };
}

describe('collectBatch', () => {
  it('falls back to collect per record, NaN and missing timestamps as none', () => {
    const { got, output } = recordOnly();
    collectBatch(output, ['a', 'b', 'c', 'd'], [1, Number.NaN, 3]);
    expect(got).toEqual([
      ['a', 1],
      ['b', undefined],
      ['c', 3],
      ['d', undefined],
    ]);
  });
});

describe('SplitOutputTap.collectBatch', () => {
  it('forwards a batch and remembers the timestamp of its last record that has one', () => {
    const { got, output } = recordOnly();
    const tap = new SplitOutputTap<string>();
    tap.target = output;
    tap.collectBatch(['a', 'b', 'c'], [5, 7, Number.NaN]);
    expect(tap.lastTimestamp).toBe(7);
    tap.collectBatch(['d'], []);
    expect(tap.lastTimestamp).toBe(7);
    expect(got.map(([r]) => r)).toEqual(['a', 'b', 'c', 'd']);
  });
});
