import type { FileFormat } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { splitFile } from './file-splitter.js';

const options = { regionSizeBytes: 1024, compression: 'auto' as const };
const file = { path: '/in/part-0.avro', size: 0, modificationTime: 1 };
const format = (emptyFileIsValid?: boolean): FileFormat<unknown> => ({
  name: 'test',
  splittable: true,
  ...(emptyFileIsValid === undefined ? {} : { emptyFileIsValid }),
  createReader: () => {
    throw new Error('not read here');
  },
});

describe('splitFile on 0-byte files', () => {
  it('skips them for formats where an empty file is valid (text)', () => {
    expect(splitFile(file, format(), options)).toEqual([]);
    expect(splitFile(file, format(true), options)).toEqual([]);
  });

  it('reads them (and so fails) for container formats: a truncated upload is not an empty file', () => {
    expect(splitFile(file, format(false), options)).toEqual([
      {
        path: file.path,
        fileSize: 0,
        modificationTime: 1,
        position: null,
        splitId: `${file.path}:0`,
        start: 0,
        end: null,
      },
    ]);
  });
});
