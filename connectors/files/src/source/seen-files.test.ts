import { describe, expect, it } from 'vitest';
import { SeenFiles } from './seen-files.js';

describe('SeenFiles', () => {
  it('remembers each path once', () => {
    const seen = new SeenFiles(1000);
    expect(seen.markIfNew('/a', 10)).toBe(true);
    expect(seen.markIfNew('/a', 10)).toBe(false);
    expect(seen.markIfNew('/b', 5)).toBe(true);
    expect(seen.maxModificationTime).toBe(10);
  });

  it('stays bounded: only files within the retention window are kept individually', () => {
    const seen = new SeenFiles(100);
    for (let t = 0; t < 10_000; t += 10) {
      seen.markIfNew(`/f-${t}`, t);
      seen.compact();
      expect(seen.size).toBeLessThanOrEqual(11);
    }
    // Older than the cutoff: counts as seen, even though its path was forgotten.
    expect(seen.markIfNew('/f-100', 100)).toBe(false);
    expect(seen.markIfNew('/late-but-recent', 9_950)).toBe(true);
  });

  it('round-trips through its snapshot', () => {
    const seen = new SeenFiles(100);
    seen.markIfNew('/x', 500);
    seen.markIfNew('/y', 300);
    seen.compact();
    const restored = new SeenFiles(100, JSON.parse(JSON.stringify(seen.snapshot())));
    expect(restored.markIfNew('/x', 500)).toBe(false);
    expect(restored.markIfNew('/y', 300)).toBe(false);
    expect(restored.markIfNew('/z', 450)).toBe(true);
    expect(restored.size).toBe(2);
  });
});
