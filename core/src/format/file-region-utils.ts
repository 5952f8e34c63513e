import {
  type FileFormat,
  type FileInput,
  type FilePosition,
  type FileRegion,
  filePositionAt,
} from '../api/format.js';

/** Everything one region of a file yields, gathered in memory. */
export interface FileRegionContents<T> {
  readonly records: T[];
  /** Resume position after each record. */
  readonly positions: FilePosition[];
  /** Line number of each record, or undefined where the reader did not know it. */
  readonly lineNumbers: (number | undefined)[];
  readonly skippedErrors: number;
  /** Records that went to dead letters in `records` (`errors: 'dead-letter'`). */
  readonly deadLetters: number;
  readonly bytesRead: number;
  readonly batches: number;
}

/**
 * Reads a region (default: the whole file) to the end and gathers its records. For tests, tools
 * and small files; a connector reads batch by batch instead.
 */
export async function readFileRegion<T>(
  format: FileFormat<T>,
  input: FileInput,
  region: FileRegion = { start: 0, end: undefined },
): Promise<FileRegionContents<T>> {
  const reader = format.createReader(input, region);
  const records: T[] = [];
  const positions: FilePosition[] = [];
  const lineNumbers: (number | undefined)[] = [];
  let skippedErrors = 0;
  let deadLetters = 0;
  let bytesRead = 0;
  let batches = 0;
  try {
    for (let batch = await reader.readBatch(); batch !== null; batch = await reader.readBatch()) {
      batches++;
      for (let i = 0; i < batch.records.length; i++) {
        records.push(batch.records[i] as T);
        positions.push(filePositionAt(batch, i));
        lineNumbers.push(batch.lineNumbers?.[i]);
      }
      skippedErrors += batch.skippedErrors ?? 0;
      deadLetters += batch.deadLetters ?? 0;
      bytesRead += batch.bytesRead;
    }
  } finally {
    await reader.close();
  }
  return { records, positions, lineNumbers, skippedErrors, deadLetters, bytesRead, batches };
}

/**
 * Cuts `[0, size)` into consecutive regions at the given byte offsets (out-of-range and duplicate
 * cuts are ignored); the last region is open-ended. Every byte belongs to exactly one region.
 */
export function splitFileRegions(size: number, cuts: readonly number[]): FileRegion[] {
  const points = [...new Set(cuts)].filter((c) => c > 0 && c < size).sort((a, b) => a - b);
  const regions: FileRegion[] = [];
  let start = 0;
  for (const point of points) {
    regions.push({ start, end: point });
    start = point;
  }
  regions.push({ start, end: undefined });
  return regions;
}

/** Reads the whole file again from a resume position (what a restored reader does). */
export function resumeFileRegion<T>(
  format: FileFormat<T>,
  input: FileInput,
  position: FilePosition | undefined,
): Promise<FileRegionContents<T>> {
  return readFileRegion(format, input, { start: 0, end: undefined, restoredPosition: position });
}

/** Reads a file as the regions cut at `cuts` (see {@link splitFileRegions}) and concatenates their records. */
export async function readAllRegions<T>(
  format: FileFormat<T>,
  input: FileInput,
  cuts: readonly number[],
): Promise<T[]> {
  const records: T[] = [];
  for (const region of splitFileRegions(input.size, cuts)) {
    records.push(...(await readFileRegion(format, input, region)).records);
  }
  return records;
}
