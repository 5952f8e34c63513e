import { describe, expect, it } from 'vitest';
import { crc32c } from './crc32c.js';

describe('crc32c', () => {
  it('matches the Castagnoli check values (RFC 3720 B.4 and the "123456789" check)', () => {
    const ascii = (s: string) => new TextEncoder().encode(s);
    expect(crc32c(ascii('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  it('checksums a view at an offset by its own bytes only', () => {
    const bytes = new TextEncoder().encode('xx123456789');
    expect(crc32c(bytes.subarray(2))).toBe(0xe3069283);
  });
});
