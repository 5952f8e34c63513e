/**
 * The contract contexts of the connector: how the suites write test data into (and read
 * results from) a directory of JSON-lines partitions. Both suites and the crash test's child
 * process import this module.
 */
import { join } from 'node:path';
import { defineSinkContext, defineSourceContext } from '@tributary/connector-testkit';
import { PartitionAsyncSink } from '../src/partition-async-sink.js';
import { appendToPartition, readPartitions } from '../src/partition-files.js';
import { PartitionSink } from '../src/partition-sink.js';
import { PartitionSource } from '../src/partition-source.js';

/** A test line: its partition, its position, some text. */
export interface Line {
  readonly p: number;
  readonly i: number;
  readonly text: string;
}

// #region contract-example-context
/** Lines `from … from + count - 1` of partition `p`, appended in two steps as a producer would. */
async function appendLines(workDir: string, p: number, from: number, count: number): Promise<Line[]> {
  const lines = Array.from({ length: count }, (_, k) => ({
    p,
    i: from + k,
    text: `line ${from + k} of ${p}`,
  }));
  const half = Math.floor(lines.length / 2);
  await appendToPartition(join(workDir, 'data'), `p-${p}`, lines.slice(0, half));
  await appendToPartition(join(workDir, 'data'), `p-${p}`, lines.slice(half));
  return lines;
}

export const sourceContext = defineSourceContext<Line>({
  boundedness: ['bounded', 'unbounded'],
  async writeTestData(setup) {
    const expected: Line[][] = [];
    for (let p = 0; p < setup.splits; p++) {
      expected.push(await appendLines(setup.workDir, p, 0, setup.recordsPerSplit));
    }
    return expected;
  },
  // Unbounded: each round appends to every partition, continuing its split.
  async appendTestData(setup, { round }) {
    const added: Line[][] = [];
    for (let p = 0; p < setup.splits; p++) {
      added.push(await appendLines(setup.workDir, p, round * setup.recordsPerSplit, setup.recordsPerSplit));
    }
    return added;
  },
  createSource: (setup) =>
    new PartitionSource<Line>({
      directory: join(setup.workDir, 'data'),
      // Unbounded: follow the partitions (and look for new ones) instead of stopping at their size.
      ...(setup.boundedness === 'unbounded' ? { monitorIntervalMs: 100 } : {}),
    }),
  keyOf: (line) => `${line.p}/${line.i}`,
});

export const sinkContext = defineSinkContext({
  createSink: (setup) =>
    new PartitionSink({ directory: join(setup.workDir, 'out'), deliveryGuarantee: setup.guarantee }),
  readBack: (setup) => readPartitions(join(setup.workDir, 'out')),
});
// #endregion contract-example-context

/** The async sink: at-least-once, every batch a new partition. */
export const asyncSinkContext = defineSinkContext({
  createSink: (setup) =>
    new PartitionAsyncSink({ directory: join(setup.workDir, 'out'), maxTimeInBufferMs: 50 }),
  readBack: (setup) => readPartitions(join(setup.workDir, 'out')),
});
