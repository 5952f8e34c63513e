import type { SourceContractContext, SourceTestSetup } from './contract-context.js';

/**
 * The expected records of an unbounded test as they grow: round 0 from `writeTestData`, then one
 * round per {@link GrowingTestData.append}, merged per split index.
 */
export class GrowingTestData {
  readonly expected: unknown[][];
  rounds = 0;

  constructor(initial: readonly (readonly unknown[])[]) {
    this.expected = initial.map((split) => [...split]);
  }

  get total(): number {
    return this.expected.reduce((sum, split) => sum + split.length, 0);
  }

  /** Writes the next round through the context; returns how many records it added. */
  async append(context: SourceContractContext<unknown>, setup: SourceTestSetup): Promise<number> {
    const round = ++this.rounds;
    const append = context.appendTestData as NonNullable<typeof context.appendTestData>;
    const written = await append.call(context, setup, { round, knownSplits: this.expected.length });
    let added = 0;
    written.forEach((records, split) => {
      this.expected[split] = [...(this.expected[split] ?? []), ...records];
      added += records.length;
    });
    // Sparse results (new splits past empty ones) leave holes: make them empty splits.
    for (let i = 0; i < this.expected.length; i++) this.expected[i] ??= [];
    if (added === 0) throw new Error(`appendTestData round ${round} wrote no records`);
    return added;
  }

  /** Whether every expected record is among `delivered`. */
  allIn(delivered: readonly { readonly v: unknown }[], keyOf: (record: unknown) => string): boolean {
    const keys = new Set(delivered.map((r) => keyOf(r.v)));
    return this.expected.every((split) => split.every((record) => keys.has(keyOf(record))));
  }
}
