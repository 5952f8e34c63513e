// lz4js (pure JS) ships no type declarations.
declare module 'lz4js' {
  export function compressBound(length: number): number;
  /** Compresses `src[sIndex, sIndex + sLength)` into `dst`; returns the size, 0 if no match found. */
  export function compressBlock(
    src: Uint8Array,
    dst: Uint8Array,
    sIndex: number,
    sLength: number,
    hashTable: Uint32Array,
  ): number;
  /** Decompresses `src[sIndex, sIndex + sLength)` into `dst` from `dIndex`; returns the end index. */
  export function decompressBlock(
    src: Uint8Array,
    dst: Uint8Array,
    sIndex: number,
    sLength: number,
    dIndex: number,
  ): number;
}
