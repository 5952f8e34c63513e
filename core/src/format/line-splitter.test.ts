import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '../errors/tributary-error.js';
import { type LineBatch, LineSplitter } from './line-splitter.js';

const encoder = new TextEncoder();

function splitAll(bytes: Uint8Array, chunkSize: number, stripCarriageReturn = true) {
  const splitter = new LineSplitter({ stripCarriageReturn });
  const batches: LineBatch[] = [];
  for (let at = 0; at < bytes.length; at += chunkSize) {
    const batch = splitter.push(bytes.slice(at, at + chunkSize));
    if (batch) batches.push(batch);
  }
  const last = splitter.finish();
  if (last) batches.push(last);
  return {
    lines: batches.flatMap((b) => b.lines),
    ends: batches.flatMap((b) => b.ends),
    starts: batches.map((b) => b.start),
  };
}

describe('LineSplitter', () => {
  it('cuts lines with exact byte ends, multi-byte characters split across chunks', () => {
    const text = 'héllo\n€uro\n\n𝄞 clef\nlast';
    const bytes = encoder.encode(text);
    for (const chunkSize of [1, 2, 3, 5, 64]) {
      const { lines, ends } = splitAll(bytes, chunkSize);
      expect(lines).toEqual(['héllo', '€uro', '', '𝄞 clef', 'last']);
      // ends[i] is the byte length of everything up to and including line i's '\n'.
      expect(ends).toEqual([7, 14, 15, 25, 29]);
    }
  });

  it('strips CR of CRLF unless told to keep it, and drops a leading BOM only at offset 0', () => {
    const bytes = encoder.encode('\uFEFFa\r\nb\r\n\uFEFFc');
    expect(splitAll(bytes, 2).lines).toEqual(['a', 'b', '\uFEFFc']);
    expect(splitAll(bytes, 4, false).lines).toEqual(['a\r', 'b\r', '\uFEFFc']);
    const mid = new LineSplitter({ startOffset: 10 });
    expect(mid.push(encoder.encode('\uFEFFx\n'))?.lines).toEqual(['\uFEFFx']);
  });

  it('reports absolute offsets from startOffset', () => {
    const splitter = new LineSplitter({ startOffset: 100 });
    expect(splitter.push(encoder.encode('ab\ncd'))).toEqual({ lines: ['ab'], start: 100, ends: [103] });
    expect(splitter.push(encoder.encode('e\n'))).toEqual({ lines: ['cde'], start: 103, ends: [107] });
    expect(splitter.finish()).toBeNull();
    expect(splitter.position).toBe(107);
  });

  it('rejects a line longer than maxLineBytes with TRIB_RECORD_INVALID', () => {
    const splitter = new LineSplitter({ maxLineBytes: 8, path: 'f.txt' });
    splitter.push(encoder.encode('12345'));
    let error: unknown;
    try {
      splitter.push(encoder.encode('67890'));
    } catch (e) {
      error = e;
    }
    expect(hasErrorCode(error, 'TRIB_RECORD_INVALID')).toBe(true);
    expect(String(error)).toContain('f.txt');
  });

  it('round-trips any text in any chunking (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('\n') && !s.includes('\r'))),
        fc.integer({ min: 1, max: 17 }),
        (lines, chunkSize) => {
          fc.pre(lines.length > 0 && !(lines[0] as string).startsWith('\uFEFF'));
          const text = `${lines.join('\n')}\n`;
          const bytes = encoder.encode(text);
          const out = splitAll(bytes, chunkSize);
          expect(out.lines).toEqual(lines);
          let end = 0;
          for (let i = 0; i < lines.length; i++) {
            end += encoder.encode(`${lines[i]}\n`).length;
            expect(out.ends[i]).toBe(end);
          }
        },
      ),
    );
  });
});
