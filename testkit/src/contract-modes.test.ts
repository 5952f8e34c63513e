import { describe, expect, it } from 'vitest';
import { defineSourceContext } from './contract-context.js';
import { contractModes } from './contract-modes.js';

const base = {
  writeTestData: async () => [[1]],
  createSource: () => {
    throw new Error('not built here');
  },
};

describe('contractModes', () => {
  it('defaults to bounded, so contexts from before the unbounded mode keep their cases', () => {
    expect(contractModes(defineSourceContext(base), 'ctx.ts', 'default')).toEqual(['bounded']);
  });

  it('returns both declared modes', () => {
    const context = defineSourceContext({
      ...base,
      boundedness: ['bounded', 'unbounded'],
      appendTestData: async () => [[2]],
    });
    expect(contractModes(context, 'ctx.ts', 'default')).toEqual(['bounded', 'unbounded']);
  });

  it('rejects unbounded without appendTestData, naming the module and export', () => {
    const context = defineSourceContext({ ...base, boundedness: ['unbounded'] });
    expect(() => contractModes(context, 'ctx.ts', 'sourceContext')).toThrow(
      "ctx.ts: export 'sourceContext' declares 'unbounded' but has no appendTestData()",
    );
  });

  it('rejects an empty or unknown mode list', () => {
    expect(() => contractModes(defineSourceContext({ ...base, boundedness: [] }), 'ctx.ts', 'x')).toThrow(
      /must list 'bounded' and\/or 'unbounded' \(got \[\]\)/,
    );
    const odd = defineSourceContext({ ...base, boundedness: ['continuous' as 'bounded'] });
    expect(() => contractModes(odd, 'ctx.ts', 'x')).toThrow(/got \["continuous"\]/);
  });
});
