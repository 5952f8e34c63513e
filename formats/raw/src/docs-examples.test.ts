import { MemoryFileInput, readFileRegion } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { RawBytesSchema, RawStringSchema, RawTextFileFormat } from './index.js';

// The #regions below are the snippets of formats/raw/README.md and docs/formats/raw.md
// (docs-sections.test.ts copies them there), so every snippet in the docs runs.

describe('raw docs examples', () => {
  it('(de)serializes messages as bytes or strings', () => {
    // #region raw-messages
    const strings = new RawStringSchema({ invalidUtf8: 'fail' });
    const text = strings.deserialize(strings.serialize('héllo'), { topic: 'logs', partition: 0, offset: 1 });
    const bytes = new RawBytesSchema().deserialize(new Uint8Array([1, 2, 3])); // the same bytes
    // #endregion raw-messages
    expect(text).toBe('héllo');
    expect(bytes).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('reads text files line by line', async () => {
    // #region raw-text
    const format = new RawTextFileFormat({ skipEmptyLines: true });
    const { records, lineNumbers } = await readFileRegion(format, new MemoryFileInput('first\r\n\nsecond\n'));
    // records: ['first', 'second']; lineNumbers: [1, 3]
    // #endregion raw-text
    expect(records).toEqual(['first', 'second']);
    expect(lineNumbers).toEqual([1, 3]);
  });
});
