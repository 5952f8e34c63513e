import {
  type FileDeadLetter,
  hasErrorCode,
  isFileDeadLetter,
  MemoryFileInput,
  MemoryFileOutput,
  readAllRegions,
  readFileRegion,
  resumeFileRegion,
} from '@tributary/core';
import { rejectionOf } from '@tributary/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonFileFormat } from './json-file-format.js';
import { JsonWriterFormat } from './json-writer-format.js';

async function writeJsonl(records: readonly unknown[], batchSize = 7): Promise<Uint8Array> {
  const output = new MemoryFileOutput();
  const writer = new JsonWriterFormat().createWriter(output);
  for (let i = 0; i < records.length; i += batchSize)
    await writer.writeBatch(records.slice(i, i + batchSize));
  await writer.finish();
  return output.bytes();
}

/** Records with strings that stress line handling: quotes, separators, newlines, unicode. */
const trickyString = fc.oneof(
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('', '"', '\n', '\r\n', '\u2028', '\\', '{"a":1}', '𝄞', '\uFEFF', ',;\t|'),
);
const recordArb = fc.record({
  id: fc.integer(),
  name: trickyString,
  // JSON has no -0 (JSON.stringify(-0) is "0"), so none is generated.
  score: fc.option(
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => (Object.is(v, -0) ? 0 : v)),
    { nil: null },
  ),
  tags: fc.array(trickyString, { maxLength: 3 }),
  nested: fc.option(fc.dictionary(fc.string(), fc.boolean(), { maxKeys: 3 }), { nil: null }),
});

describe('JsonFileFormat', () => {
  it('reads JSON lines with blank lines, CRLF and a BOM, numbering lines', async () => {
    const input = new MemoryFileInput('\uFEFF{"a":1}\r\n\n  \n{"a":2}\n[3]', { chunkSize: 4 });
    const out = await readFileRegion(new JsonFileFormat(), input);
    expect(out.records).toEqual([{ a: 1 }, { a: 2 }, [3]]);
    expect(out.lineNumbers).toEqual([1, 4, 5]);
    expect(out.positions).toEqual([
      { offset: 12, recordsToSkip: 0 },
      { offset: 24, recordsToSkip: 0 },
      { offset: 27, recordsToSkip: 0 },
    ]);
    expect(out.bytesRead).toBe(input.size);
  });

  it('fails on an invalid line with file, line and a truncated snippet, never the whole record', async () => {
    const secret = 'hunter2-very-long-secret-value-that-must-not-appear-in-logs';
    const input = new MemoryFileInput(`{"ok":true}\n{"user":"bob","password":"${secret}"\n`, {
      path: 'events.jsonl',
    });
    const error = await rejectionOf(readFileRegion(new JsonFileFormat(), input));
    expect(hasErrorCode(error, 'TRIB_RECORD_INVALID')).toBe(true);
    expect(error.message).toContain("file 'events.jsonl'");
    expect(error.message).toContain('line 2');
    expect(error.context).toMatchObject({ file: 'events.jsonl', line: 2, byteOffset: 12 });
    expect(JSON.stringify(error.toJSON())).not.toContain('must-not-appear');
    expect(String(error.context.snippet).length).toBeLessThan(70);
  });

  it('names the byte offset when the line number is unknown (region inside the file)', async () => {
    const input = new MemoryFileInput('{"a":1}\n{"a":2}\nnot json\n', { path: 'f.jsonl' });
    const error = await rejectionOf(
      readFileRegion(new JsonFileFormat(), input, { start: 5, end: undefined }),
    );
    expect(error.message).toContain('byte offset 16');
    expect(error.context.line).toBeUndefined();
  });

  it('skips and counts invalid records in skip-and-count mode', async () => {
    const input = new MemoryFileInput('{"a":1}\nnope\n{"a":\n{"a":2}\n');
    const out = await readFileRegion(new JsonFileFormat({ errors: 'skip-and-count' }), input);
    expect(out.records).toEqual([{ a: 1 }, { a: 2 }]);
    expect(out.skippedErrors).toBe(2);
  });

  it('puts a FileDeadLetter in place of each invalid record in dead-letter mode', async () => {
    const text = '{"a":1}\nnope\r\n{"a":\n{"a":2}\n';
    const input = new MemoryFileInput(text, { path: 'in.jsonl' });
    const format = new JsonFileFormat<{ a: number } | FileDeadLetter>({ errors: 'dead-letter' });
    const out = await readFileRegion(format, input);
    expect(out.deadLetters).toBe(2);
    expect(out.skippedErrors).toBe(0);
    expect(out.records.map((r) => (isFileDeadLetter(r) ? r.raw : r))).toEqual([
      { a: 1 },
      'nope',
      '{"a":',
      { a: 2 },
    ]);
    expect(out.records[1]).toEqual({
      kind: 'file-dead-letter',
      file: 'in.jsonl',
      offset: 8,
      line: 2,
      raw: 'nope',
      error: {
        code: 'TRIB_RECORD_INVALID',
        message: expect.stringContaining(
          "Invalid JSON record: invalid JSON: Unexpected token 'o' (at file 'in.jsonl', line 2)",
        ),
      },
    });
    expect(out.lineNumbers).toEqual([1, 2, 3, 4]);
    // Each dead letter has its own resume position: resuming after one continues with the next record.
    for (let k = 0; k < out.records.length; k++) {
      const rest = await resumeFileRegion(format, input, out.positions[k]);
      expect(rest.records).toEqual(
        out.records
          .slice(k + 1)
          .map((r) => (isFileDeadLetter(r) ? expect.objectContaining({ raw: r.raw }) : r)),
      );
    }
    // Regions read in parallel yield every record and dead letter once.
    const parts = await readAllRegions(format, input, [3, 10, 20]);
    expect(parts.map((r) => (isFileDeadLetter(r) ? r.raw : r))).toEqual([
      { a: 1 },
      'nope',
      '{"a":',
      { a: 2 },
    ]);
  });

  it('applies fields: absent ones become null, failOnMissingField rejects, types are checked', async () => {
    const input = new MemoryFileInput('{"id":1,"name":"a"}\n{"id":2}\n');
    const lenient = await readFileRegion(new JsonFileFormat({ fields: ['id', 'name'] }), input);
    expect(lenient.records).toEqual([
      { id: 1, name: 'a' },
      { id: 2, name: null },
    ]);
    const strict = await rejectionOf(
      readFileRegion(new JsonFileFormat({ fields: ['id', 'name'], failOnMissingField: true }), input),
    );
    expect(strict.message).toContain("field 'name'");
    expect(strict.message).toContain('required field is missing');

    const typed = new MemoryFileInput('{"id":"x"}\n{"id":3}\n[1]\n');
    const fields = [{ name: 'id', type: 'integer' as const }];
    const typeError = await rejectionOf(readFileRegion(new JsonFileFormat({ fields }), typed));
    expect(typeError.message).toContain(
      "expected integer, got a string (at file 'memory', line 1, field 'id')",
    );
    const ignored = await readFileRegion(new JsonFileFormat({ fields, ignoreParseErrors: true }), typed);
    expect(ignored.records).toEqual([{ id: null }, { id: 3 }]);
    expect(ignored.skippedErrors).toBe(1);
  });

  it('validates options with Flink rules', () => {
    expect(
      () => new JsonFileFormat({ failOnMissingField: true, ignoreParseErrors: true, fields: ['a'] }),
    ).toThrow(/format\.json\.ignoreParseErrors: failOnMissingField and ignoreParseErrors/);
    expect(() => new JsonFileFormat({ failOnMissingField: true })).toThrow(/format\.json\.fields/);
    expect(() => new JsonFileFormat({ errors: 'ignore' as never })).toThrow(/format\.json\.errors/);
    expect(() => new JsonFileFormat({ errors: 'dead-letter', ignoreParseErrors: true })).toThrow(
      /format\.json\.ignoreParseErrors: ignoreParseErrors skips invalid records/,
    );
  });

  it('write → read returns the records (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(recordArb, { maxLength: 25 }),
        fc.integer({ min: 1, max: 64 }),
        async (records, chunk) => {
          const bytes = await writeJsonl(records);
          const out = await readFileRegion(
            new JsonFileFormat(),
            new MemoryFileInput(bytes, { chunkSize: chunk }),
          );
          expect(out.records).toEqual(records);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('resumes exactly after any record (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(recordArb, { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 1, max: 50 }),
        fc.nat(),
        async (records, chunk, pick) => {
          const input = new MemoryFileInput(await writeJsonl(records), { chunkSize: chunk });
          const format = new JsonFileFormat();
          const all = await readFileRegion(format, input);
          const k = pick % records.length;
          const rest = await resumeFileRegion(format, input, all.positions[k]);
          expect(rest.records).toEqual(records.slice(k + 1));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('reading all regions yields every record exactly once (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(recordArb, { maxLength: 20 }),
        fc.array(fc.nat({ max: 4000 }), { maxLength: 8 }),
        async (records, cuts) => {
          const input = new MemoryFileInput(await writeJsonl(records), { chunkSize: 16 });
          const format = new JsonFileFormat();
          const got = await readAllRegions(format, input, cuts);
          expect(got).toEqual(records);
        },
      ),
      { numRuns: 60 },
    );
  });
});
