import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ExactJsonSyntaxError,
  ExactJsonValueError,
  parseExactJson,
  stringifyExactJson,
} from './exact-json.js';

/** bigint → number, so values compare with what JSON.parse gives for the same text. */
function asDoubles(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(asDoubles);
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asDoubles(v)]));
  return value;
}

const bigOutsideDoubles = fc.oneof(
  fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n }),
  fc.bigInt({ min: -(2n ** 63n), max: -(2n ** 53n) }),
);

describe('exact JSON', () => {
  it('keeps integers beyond 2^53 as bigint and inexact decimals as their text', () => {
    expect(
      parseExactJson('{"u":18446744073709551615,"s":9007199254740991,"n":-9223372036854775808}'),
    ).toEqual({
      u: 18446744073709551615n,
      s: 9007199254740991,
      n: -9223372036854775808n,
    });
    expect(parseExactJson('[0.1,1.10,1e21,-2.5E-3,12345678901234567.89,0.30000000000000004]')).toEqual([
      0.1,
      1.1,
      1e21,
      -0.0025,
      '12345678901234567.89',
      0.30000000000000004,
    ]);
  });

  it('reads what JSON.parse reads, values equal up to bigint', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        expect(asDoubles(parseExactJson(text))).toEqual(JSON.parse(text));
      }),
      { numRuns: 300, seed: 13 },
    );
  });

  it('round-trips values with bigints through stringify and parse', () => {
    const value = fc.letrec((tie) => ({
      leaf: fc.oneof(
        fc.string(),
        fc.boolean(),
        fc.constant(null),
        fc.integer(),
        fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)),
        bigOutsideDoubles,
      ),
      node: fc.oneof(
        { depthSize: 'small' },
        tie('leaf'),
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(fc.string(), tie('node'), { maxKeys: 4 }),
      ),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        expect(parseExactJson(stringifyExactJson(v))).toEqual(v);
      }),
      { numRuns: 300, seed: 13 },
    );
  });

  it("keeps a '__proto__' key as data", () => {
    const parsed = parseExactJson('{"__proto__":{"polluted":1}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(['__proto__']);
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('reports syntax errors by position, never by content', () => {
    for (const [text, position] of [
      ['{"a":1,}', 7],
      ['{"secret":tru}', 10],
      ['[1 2]', 3],
      ['"open', 0],
      ['{"a":1} x', 8],
      ['', 0],
      ['01', 1],
    ] as const) {
      const error = (() => {
        try {
          parseExactJson(text);
        } catch (e) {
          return e;
        }
      })();
      expect(error, text).toBeInstanceOf(ExactJsonSyntaxError);
      expect((error as ExactJsonSyntaxError).position, text).toBe(position);
      expect((error as Error).message).not.toContain('secret');
    }
  });

  it('names the field of a value JSON cannot hold', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    for (const [value, path] of [
      [{ after: { price: Number.NaN } }, 'after.price'],
      [{ rows: [1, undefined] }, 'rows[1]'],
      [{ blob: new Uint8Array(2) }, 'blob'],
      [{ f: () => 1 }, 'f'],
      [cycle, 'self'],
    ] as const) {
      expect(() => stringifyExactJson(value)).toThrow(ExactJsonValueError);
      try {
        stringifyExactJson(value);
      } catch (error) {
        expect((error as ExactJsonValueError).path).toBe(path);
      }
    }
    expect(stringifyExactJson({ a: undefined, d: new Date(0), n: -5n })).toBe(
      '{"d":"1970-01-01T00:00:00.000Z","n":-5}',
    );
  });
});
