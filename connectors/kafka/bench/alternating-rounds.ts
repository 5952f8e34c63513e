/**
 * Runs a baseline and a candidate once each to warm up, then `rounds` times in alternating order
 * (drift between rounds — GC, other load — hits both sides alike), and returns each side's median
 * time and the median of the per-round ratios `candidate / baseline`.
 */
export async function alternatingRounds(
  rounds: number,
  baseline: () => Promise<number>,
  candidate: () => Promise<number>,
): Promise<{
  baselineMs: number;
  candidateMs: number;
  candidateOverBaseline: number;
  candidateRuns: number[];
}> {
  await baseline();
  await candidate();
  const b: number[] = [];
  const c: number[] = [];
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      b.push(await baseline());
      c.push(await candidate());
    } else {
      c.push(await candidate());
      b.push(await baseline());
    }
  }
  return {
    baselineMs: median(b),
    candidateMs: median(c),
    candidateOverBaseline: median(c.map((ms, i) => ms / (b[i] as number))),
    candidateRuns: c,
  };
}

function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
}
