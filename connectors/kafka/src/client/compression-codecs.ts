import { decompress as zstdDecompress } from 'fzstd';
import kafkajs from 'kafkajs';
import * as snappy from 'snappyjs';
import { lz4CompressFrame, lz4DecompressFrame } from './lz4-frame.js';

/**
 * Record-batch compression codecs kafkajs lacks (it ships gzip only), in pure JavaScript or
 * WebAssembly so installing the connector never builds native code:
 * - snappy: `snappyjs`; reads both raw blocks and the xerial framing the Java client writes;
 * - lz4: `lz4js` blocks in the LZ4 frame format Kafka uses for record batches v2 (see lz4-frame.ts);
 * - zstd: `fzstd` decompresses; `@bokuweb/zstd-wasm` compresses (loaded on first use).
 *
 * kafkajs keeps codecs in one process-wide table; a codec the application registered itself
 * (e.g. a native one) is left in place.
 */
export type KafkaCompression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** The record batch attribute value of each codec (Kafka protocol). */
export const COMPRESSION_CODEC_IDS: Readonly<Record<KafkaCompression, number>> = {
  none: 0,
  gzip: 1,
  snappy: 2,
  lz4: 3,
  zstd: 4,
};

/** The shape kafkajs expects of a codec: `compress` gets its Encoder, `decompress` a Buffer. */
interface KafkaJsCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

// Not named imports: Node's CommonJS export detection misses these two in kafkajs's index.
const { CompressionCodecs, CompressionTypes } = kafkajs;

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
/** Magic, then two int32 (version, compatible version). */
const XERIAL_HEADER_BYTES = 16;

/** Snappy as the Java client writes it: xerial framing (header, then length-prefixed blocks). */
export function snappyDecompress(buffer: Buffer): Buffer {
  if (buffer.length < XERIAL_HEADER_BYTES || !buffer.subarray(0, 8).equals(XERIAL_MAGIC)) {
    return Buffer.from(snappy.uncompress(buffer));
  }
  const blocks: Buffer[] = [];
  let offset = XERIAL_HEADER_BYTES;
  while (offset < buffer.length) {
    const size = buffer.readInt32BE(offset);
    offset += 4;
    blocks.push(Buffer.from(snappy.uncompress(buffer.subarray(offset, offset + size))));
    offset += size;
  }
  return Buffer.concat(blocks);
}

type ZstdWasm = typeof import('@bokuweb/zstd-wasm');
let zstdWasm: Promise<ZstdWasm> | undefined;
function loadZstdWasm(): Promise<ZstdWasm> {
  zstdWasm ??= import('@bokuweb/zstd-wasm').then(async (module) => {
    await module.init();
    return module;
  });
  return zstdWasm;
}

const ZSTD_LEVEL = 3;

const codecs: Readonly<Record<'snappy' | 'lz4' | 'zstd', KafkaJsCodec>> = {
  snappy: {
    // Raw snappy: the Java client's xerial reader accepts unframed input as well.
    compress: async (encoder) => Buffer.from(snappy.compress(encoder.buffer)),
    decompress: async (buffer) => snappyDecompress(buffer),
  },
  lz4: {
    compress: async (encoder) => lz4CompressFrame(encoder.buffer),
    decompress: async (buffer) => lz4DecompressFrame(buffer),
  },
  zstd: {
    compress: async (encoder) => Buffer.from((await loadZstdWasm()).compress(encoder.buffer, ZSTD_LEVEL)),
    decompress: async (buffer) => Buffer.from(zstdDecompress(buffer)),
  },
};

const KAFKAJS_TYPES = {
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
} as const;

/** kafkajs's placeholders throw "not implemented" when called; ours and the user's do not. */
function isPlaceholder(factory: (() => unknown) | undefined): boolean {
  if (factory === undefined) return true;
  try {
    factory();
    return false;
  } catch {
    return true;
  }
}

/**
 * Makes kafkajs able to read and write snappy, lz4 and zstd record batches. Idempotent; called
 * by the Kafka source and sink, so applications need not call it.
 */
export function registerCompressionCodecs(): void {
  const table = CompressionCodecs as unknown as Record<number, (() => KafkaJsCodec) | undefined>;
  for (const name of ['snappy', 'lz4', 'zstd'] as const) {
    const type = KAFKAJS_TYPES[name];
    if (isPlaceholder(table[type])) table[type] = () => codecs[name];
  }
}
