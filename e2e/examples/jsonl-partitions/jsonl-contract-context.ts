/**
 * The contract contexts of the example connector: how the suites write test data into (and read
 * results from) a directory of JSON-lines partitions. Both suites and the crash test's child
 * process import this module.
 */
import { join } from 'node:path';
import { defineSinkContext, defineSourceContext } from '@tributary/e2e/contract';
import { appendToPartition, readPartitions } from './jsonl-partition-files.js';
import { JsonLinesPartitionSink } from './jsonl-partition-sink.js';
import { JsonLinesPartitionSource } from './jsonl-partition-source.js';

/** A test line: its partition, its position, some text. */
export interface Line {
  readonly p: number;
  readonly i: number;
  readonly text: string;
}

// #region contract-example-context
export const sourceContext = defineSourceContext<Line>({
  async writeTestData(setup) {
    const expected: Line[][] = [];
    for (let p = 0; p < setup.splits; p++) {
      const lines = Array.from({ length: setup.recordsPerSplit }, (_, i) => ({
        p,
        i,
        text: `line ${i} of ${p}`,
      }));
      // Appended in two steps, as a producer would: the partition is append-only.
      const half = Math.floor(lines.length / 2);
      await appendToPartition(join(setup.workDir, 'data'), `p-${p}`, lines.slice(0, half));
      await appendToPartition(join(setup.workDir, 'data'), `p-${p}`, lines.slice(half));
      expected.push(lines);
    }
    return expected;
  },
  createSource: (setup) => new JsonLinesPartitionSource<Line>({ directory: join(setup.workDir, 'data') }),
  keyOf: (line) => `${line.p}/${line.i}`,
});

export const sinkContext = defineSinkContext({
  createSink: (setup) =>
    new JsonLinesPartitionSink({ directory: join(setup.workDir, 'out'), deliveryGuarantee: setup.guarantee }),
  readBack: (setup) => readPartitions(join(setup.workDir, 'out')),
});
// #endregion contract-example-context
