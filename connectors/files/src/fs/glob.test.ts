import { describe, expect, it } from 'vitest';
import { globFilter, globToRegExp } from './glob.js';

describe('globToRegExp', () => {
  it.each([
    ['*.csv', 'a.csv', true],
    ['*.csv', 'dir/a.csv', false],
    ['**/*.csv', 'a.csv', true],
    ['**/*.csv', 'x/y/a.csv', true],
    ['x/**', 'x/y/z', true],
    ['part-?.json', 'part-1.json', true],
    ['part-?.json', 'part-12.json', false],
    ['[ab].txt', 'b.txt', true],
    ['[!ab].txt', 'b.txt', false],
    ['*.{csv,tsv}', 'a.tsv', true],
    ['*.{csv,tsv}', 'a.json', false],
    ['a+b(1).txt', 'a+b(1).txt', true],
  ])('%s matches %s: %s', (glob, path, expected) => {
    expect(globToRegExp(glob).test(path)).toBe(expected);
  });
});

describe('globFilter', () => {
  it('matches names at any depth without a slash, relative paths with one; excludes win', () => {
    const accept = globFilter(['*.csv', 'keep/**'], ['**/tmp/**', 'skip-*']);
    expect(accept('a.csv')).toBe(true);
    expect(accept('deep/er/a.csv')).toBe(true);
    expect(accept('keep/x.bin')).toBe(true);
    expect(accept('other/x.bin')).toBe(false);
    expect(accept('deep/tmp/a.csv')).toBe(false);
    expect(accept('dir/skip-me.csv')).toBe(false);
    expect(globFilter([], [])('anything/at/all')).toBe(true);
  });
});
