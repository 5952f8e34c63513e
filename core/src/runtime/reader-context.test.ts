import { describe, expect, it } from 'vitest';
import { silentLogger } from '../logging/logger.js';
import { Pipeline } from './pipeline.js';
import { MemoryCommittingSink } from './testing-fixtures/memory-committing-sink.js';
import { rangeSource } from './testing-fixtures/range-source.js';

/** The `checkpointIntervalMs` each reader of a small bounded job saw. */
async function seenIntervals(checkpointing: { intervalMs?: number }): Promise<(number | undefined)[]> {
  const seen: (number | undefined)[] = [];
  const base = rangeSource({ total: 100, numSplits: 2 });
  const source = {
    ...base,
    createReader: (ctx: Parameters<typeof base.createReader>[0]) => {
      seen.push(ctx.checkpointIntervalMs);
      return base.createReader(ctx);
    },
  };
  const result = await Pipeline.from(source)
    .sinkTo(new MemoryCommittingSink())
    .execute({ parallelism: 2, checkpointing }, { logger: silentLogger });
  expect(result.status).toBe('finished');
  return seen;
}

describe('SourceReaderContext.checkpointIntervalMs', () => {
  it('is the periodic checkpoint interval, undefined without one', async () => {
    expect(await seenIntervals({ intervalMs: 250 })).toEqual([250, 250]);
    expect(await seenIntervals({})).toEqual([undefined, undefined]);
  });
});
