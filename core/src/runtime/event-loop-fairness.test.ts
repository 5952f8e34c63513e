import { describe, expect, it } from 'vitest';
import type { Sink, SinkWriter } from '../api/sink.js';
import { silentLogger } from '../logging/logger.js';
import { Source } from '../source/source-factories.js';
import { Pipeline } from './pipeline.js';

/**
 * The subtask loop must hand the event loop to timers and I/O regularly even when its source
 * never waits for I/O: an async sink's requests complete in I/O callbacks and its flush timers are
 * macrotasks, so a loop that only ever awaits microtasks would stall them until the input ends.
 */

/** A sink that notes how many records had been written when a timer set at the first write fired. */
function timerProbeSink(): {
  sink: Sink<number>;
  written: () => number;
  writtenAtTimer: () => number | undefined;
} {
  let written = 0;
  let writtenAtTimer: number | undefined;
  const sink: Sink<number> = {
    createWriter(): SinkWriter<number> {
      return {
        write: async (batch) => {
          if (written === 0) {
            setTimeout(() => {
              writtenAtTimer = written;
            }, 0);
          }
          written += batch.length;
        },
        flush: async () => {},
        close: async () => {},
      };
    },
  };
  return { sink, written: () => written, writtenAtTimer: () => writtenAtTimer };
}

describe('event-loop fairness of the subtask loop', () => {
  it('runs timers while a source whose data is always ready through microtasks keeps producing', async () => {
    const total = 300_000;
    const probe = timerProbeSink();
    function* numbers(): Generator<number> {
      for (let i = 0; i < total; i++) yield i;
    }
    const result = await Pipeline.from(Source.fromAsyncIterable(() => numbers(), { bufferSize: 100 }))
      .sinkTo(probe.sink)
      .execute({}, { logger: silentLogger });
    expect(result.status).toBe('finished');
    expect(probe.written()).toBe(total);
    // Before the fix the timer fired only once the whole input had been written.
    expect(probe.writtenAtTimer()).toBeDefined();
    expect(probe.writtenAtTimer()).toBeLessThan(total / 2);
  });
});
