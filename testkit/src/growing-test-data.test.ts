import { describe, expect, it } from 'vitest';
import { type AppendRound, defineSourceContext, type SourceTestSetup } from './contract-context.js';
import { GrowingTestData } from './growing-test-data.js';

const setup: SourceTestSetup = {
  testId: 't',
  workDir: '/nowhere',
  splits: 2,
  recordsPerSplit: 2,
  boundedness: 'unbounded',
};

function contextAppending(append: (round: AppendRound) => unknown[][]) {
  const rounds: AppendRound[] = [];
  const context = defineSourceContext<unknown>({
    writeTestData: async () => [],
    createSource: () => {
      throw new Error('not built here');
    },
    appendTestData: async (_setup, round) => {
      rounds.push(round);
      return append(round);
    },
  });
  return { context, rounds };
}

describe('GrowingTestData', () => {
  it('continues existing splits element by element (appends to partitions)', async () => {
    const data = new GrowingTestData([
      ['a0', 'a1'],
      ['b0', 'b1'],
    ]);
    const { context, rounds } = contextAppending(({ round }) => [[`a${round + 1}`], [`b${round + 1}`]]);
    expect(await data.append(context, setup)).toBe(2);
    expect(await data.append(context, setup)).toBe(2);
    expect(rounds).toEqual([
      { round: 1, knownSplits: 2 },
      { round: 2, knownSplits: 2 },
    ]);
    expect(data.expected).toEqual([
      ['a0', 'a1', 'a2', 'a3'],
      ['b0', 'b1', 'b2', 'b3'],
    ]);
    expect(data.total).toBe(8);
  });

  it('adds new splits after knownSplits (new files), leaving earlier ones as they were', async () => {
    const data = new GrowingTestData([['f0'], ['f1']]);
    const { context, rounds } = contextAppending(({ knownSplits }) => {
      const added: unknown[][] = [];
      added[knownSplits] = [`f${knownSplits}`];
      added[knownSplits + 1] = [`f${knownSplits + 1}`];
      return added;
    });
    await data.append(context, setup);
    await data.append(context, setup);
    expect(rounds.map((r) => r.knownSplits)).toEqual([2, 4]);
    expect(data.expected).toEqual([['f0'], ['f1'], ['f2'], ['f3'], ['f4'], ['f5']]);
  });

  it('fails a round that wrote nothing', async () => {
    const data = new GrowingTestData([['x']]);
    const { context } = contextAppending(() => [[], []]);
    await expect(data.append(context, setup)).rejects.toThrow('appendTestData round 1 wrote no records');
  });

  it('tells whether every expected record was delivered, by key', () => {
    const data = new GrowingTestData([[{ id: 1 }, { id: 2 }], [{ id: 3 }]]);
    const keyOf = (r: unknown) => String((r as { id: number }).id);
    expect(data.allIn([{ v: { id: 1 } }, { v: { id: 3 } }], keyOf)).toBe(false);
    expect(data.allIn([{ v: { id: 3 } }, { v: { id: 2 } }, { v: { id: 1 } }, { v: { id: 1 } }], keyOf)).toBe(
      true,
    );
  });
});
