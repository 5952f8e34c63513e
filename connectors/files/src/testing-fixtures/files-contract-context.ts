/**
 * The contract contexts of the files connector: how the `@tributary/e2e` contract suites write
 * test data into (and read results back from) a directory. Both suites and the crash test's child
 * process import this module, so everything here is rebuilt from the serializable setup alone.
 */
import type { Dirent } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineSinkContext, defineSourceContext, type SinkContractRecord } from '@tributary/e2e/contract';
import { JsonFileFormat, JsonWriterFormat } from '@tributary/format-json';
import { FileSink } from '../sink/file-sink.js';
import { FileSource } from '../source/file-source.js';

/** One test line of the source suite: its file (split), its position in that file, some text. */
export interface ContractLine {
  readonly split: number;
  readonly seq: number;
  readonly text: string;
}

const inputDir = (workDir: string): string => join(workDir, 'in');
const outputDir = (workDir: string): string => join(workDir, 'out');

/**
 * Writes files `first … first + count - 1` (one split each, `recordsPerSplit` lines). Each file
 * appears atomically (written under a name the source ignores, then renamed), as a running
 * source in continuous mode must never list a half-written file.
 */
async function writeSplitFiles(
  workDir: string,
  first: number,
  count: number,
  recordsPerSplit: number,
): Promise<ContractLine[][]> {
  const dir = inputDir(workDir);
  await mkdir(dir, { recursive: true });
  const written: ContractLine[][] = [];
  for (let split = first; split < first + count; split++) {
    const lines = Array.from({ length: recordsPerSplit }, (_, seq) => ({
      split,
      seq,
      text: `line ${seq} of file ${split}`,
    }));
    const path = join(dir, `split-${String(split).padStart(4, '0')}.jsonl`);
    await writeFile(`${path}.tmp`, lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
    await rename(`${path}.tmp`, path);
    written.push(lines);
  }
  return written;
}

/**
 * Source side: one JSON-lines file per split. The files stay far below the default
 * `regionSizeBytes` (64 MiB), so each file is exactly one split and the suite's per-split order
 * check is the file's line order. Unbounded: continuous monitoring, and each round of new data
 * is `splits` new files (new splits).
 */
export const sourceContext = defineSourceContext<ContractLine>({
  boundedness: ['bounded', 'unbounded'],
  writeTestData: (setup) => writeSplitFiles(setup.workDir, 0, setup.splits, setup.recordsPerSplit),
  async appendTestData(setup, { knownSplits }) {
    const added = await writeSplitFiles(setup.workDir, knownSplits, setup.splits, setup.recordsPerSplit);
    // Earlier splits got nothing; the new files are splits `knownSplits …`.
    return [...Array.from({ length: knownSplits }, () => []), ...added];
  },
  createSource: (setup) =>
    FileSource.forFormat(new JsonFileFormat<ContractLine>(), inputDir(setup.workDir), {
      includeGlobs: ['*.jsonl'],
      // The minimum chunk: each fetch carries ~20 lines instead of a whole test file, so the
      // suite's savepoints and kills land mid-file and resume from a byte offset inside a split.
      readChunkBytes: 1024,
      // Unbounded: list the directory often, so new files are read soon after they appear.
      ...(setup.boundedness === 'unbounded' ? { monitorIntervalMs: 100 } : {}),
    }),
  keyOf: (line) => `${line.split}/${line.seq}`,
});

/**
 * Sink side: a {@link FileSink} of JSON lines under `out/`; `readBack` reads only committed part
 * files (hidden in-progress/pending files and `_SUCCESS` markers are skipped), as a downstream
 * reader with committed isolation would.
 */
export const sinkContext = defineSinkContext({
  createSink: (setup) =>
    FileSink.forFormat<SinkContractRecord>(
      outputDir(setup.workDir),
      new JsonWriterFormat<SinkContractRecord>(),
      {
        deliveryGuarantee: setup.guarantee,
      },
    ),
  readBack: async (setup) => {
    const records: SinkContractRecord[] = [];
    for (const file of await committedFiles(outputDir(setup.workDir))) {
      const text = await readFile(file, 'utf8');
      for (const line of text.split('\n')) {
        if (line !== '') records.push(JSON.parse(line) as SinkContractRecord);
      }
    }
    return records;
  },
});

/** Visible files below `dir` (any depth: buckets are sub-directories); hidden names are skipped. */
async function committedFiles(dir: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.') || entry.name.startsWith('_')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await committedFiles(path)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}
