import type { FileFormat } from '@tributary/core';
import { type Compression, compressionOf } from '../fs/compression.js';
import type { DiscoveredFile } from './file-discovery.js';
import type { FileSourceSplit } from './file-source-split.js';

export interface SplitPlanOptions {
  readonly regionSizeBytes: number;
  readonly compression: 'auto' | Compression;
}

/**
 * Cuts a file into splits: one per `regionSizeBytes` region for splittable formats on uncompressed
 * files, else one split for the whole file. Empty files produce no split, unless the format says
 * an empty file is invalid (Avro, Parquet): then its one split fails when read.
 */
export function splitFile(
  file: DiscoveredFile,
  format: FileFormat<unknown>,
  options: SplitPlanOptions,
): FileSourceSplit[] {
  if (file.size === 0 && format.emptyFileIsValid !== false) return [];
  const base = {
    path: file.path,
    fileSize: file.size,
    modificationTime: file.modificationTime,
    position: null,
  };
  const compressed = compressionOf(file.path, options.compression) !== 'none';
  if (!format.splittable || compressed || file.size <= options.regionSizeBytes) {
    return [{ ...base, splitId: `${file.path}:0`, start: 0, end: null }];
  }
  const splits: FileSourceSplit[] = [];
  for (let start = 0; start < file.size; start += options.regionSizeBytes) {
    const end = start + options.regionSizeBytes;
    splits.push({ ...base, splitId: `${file.path}:${start}`, start, end: end >= file.size ? null : end });
  }
  return splits;
}
