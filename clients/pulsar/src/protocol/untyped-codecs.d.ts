// Type declarations for the pure-JS libraries that ship none.
declare module 'snappyjs' {
  export function compress(input: Uint8Array): Uint8Array;
  export function uncompress(input: Uint8Array): Uint8Array;
}

// `crc-32` ships types for its CRC-32 entry only; its CRC32C entry has the same shape.
declare module 'crc-32/crc32c.js' {
  const CRC32C: { buf(data: Uint8Array | number[], seed?: number): number };
  export default CRC32C;
}
