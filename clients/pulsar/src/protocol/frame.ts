import { fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  type BaseCommand,
  BaseCommandSchema,
  type MessageMetadata,
  MessageMetadataSchema,
} from '../proto/PulsarApi_pb.js';
import { crc32c } from './crc32c.js';

/** Magic number before the checksum of a payload command. */
export const MAGIC_CRC32C = 0x0e01;
/** Magic number of the broker-entry metadata prefix (only sent to clients that announce support). */
export const MAGIC_BROKER_ENTRY_METADATA = 0x0e02;
/** The broker's default `maxMessageSize` plus room for the frame's own headers. */
export const DEFAULT_MAX_FRAME_BYTES = 5 * 1024 * 1024 + 10 * 1024;

/** A frame as it came off the wire: the command, and for payload commands metadata and payload. */
export interface Frame {
  readonly command: BaseCommand;
  readonly metadata?: MessageMetadata;
  readonly payload?: Uint8Array;
}

/** A frame that cannot be parsed: wrong sizes, a bad magic number or a checksum mismatch. */
export class PulsarFrameError extends Error {
  override readonly name = 'PulsarFrameError';
}

/** `[totalSize][commandSize][command]`. */
export function encodeSimpleCommand(command: BaseCommand): Uint8Array {
  const cmd = toBinary(BaseCommandSchema, command);
  const frame = new Uint8Array(8 + cmd.length);
  const view = new DataView(frame.buffer);
  view.setUint32(0, 4 + cmd.length);
  view.setUint32(4, cmd.length);
  frame.set(cmd, 8);
  return frame;
}

/**
 * `[totalSize][commandSize][command][magic 0x0e01][crc32c][metadataSize][metadata][payload]`;
 * the checksum covers everything from `metadataSize` to the end.
 */
export function encodePayloadCommand(
  command: BaseCommand,
  metadata: MessageMetadata,
  payload: Uint8Array,
): Uint8Array {
  const cmd = toBinary(BaseCommandSchema, command);
  const meta = toBinary(MessageMetadataSchema, metadata);
  const checksummedLength = 4 + meta.length + payload.length;
  const total = 4 + cmd.length + 2 + 4 + checksummedLength;
  const frame = new Uint8Array(4 + total);
  const view = new DataView(frame.buffer);
  view.setUint32(0, total);
  view.setUint32(4, cmd.length);
  frame.set(cmd, 8);
  const magicOffset = 8 + cmd.length;
  view.setUint16(magicOffset, MAGIC_CRC32C);
  const crcOffset = magicOffset + 2;
  const checksummedStart = crcOffset + 4;
  view.setUint32(checksummedStart, meta.length);
  frame.set(meta, checksummedStart + 4);
  frame.set(payload, checksummedStart + 4 + meta.length);
  view.setUint32(crcOffset, crc32c(frame.subarray(checksummedStart)));
  return frame;
}

/** Parses one complete frame body (the bytes after `totalSize`). */
export function decodeFrame(body: Uint8Array): Frame {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  if (body.length < 4) throw new PulsarFrameError(`frame of ${body.length} bytes is too short`);
  const commandSize = view.getUint32(0);
  if (4 + commandSize > body.length) {
    throw new PulsarFrameError(`command size ${commandSize} exceeds the frame (${body.length} bytes)`);
  }
  const command = fromBinary(BaseCommandSchema, body.subarray(4, 4 + commandSize));
  let offset = 4 + commandSize;
  if (offset === body.length) return { command };
  if (offset + 2 <= body.length && view.getUint16(offset) === MAGIC_BROKER_ENTRY_METADATA) {
    offset += 2;
    const size = view.getUint32(offset);
    offset += 4 + size;
  }
  if (offset + 10 > body.length || view.getUint16(offset) !== MAGIC_CRC32C) {
    throw new PulsarFrameError(`payload command ${command.type} lacks the CRC32C magic number`);
  }
  const expected = view.getUint32(offset + 2);
  offset += 6;
  const actual = crc32c(body.subarray(offset));
  if (actual !== expected) {
    throw new PulsarFrameError(
      `checksum mismatch on payload command ${command.type}: expected ${expected}, computed ${actual}`,
    );
  }
  const metadataSize = view.getUint32(offset);
  offset += 4;
  if (offset + metadataSize > body.length) {
    throw new PulsarFrameError(`metadata size ${metadataSize} exceeds the frame`);
  }
  const metadata = fromBinary(MessageMetadataSchema, body.subarray(offset, offset + metadataSize));
  return { command, metadata, payload: body.subarray(offset + metadataSize) };
}

/** Cuts a TCP byte stream into frames. */
export class FrameReader {
  private chunks: Uint8Array[] = [];
  private buffered = 0;

  constructor(private readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {}

  /** Adds bytes; returns every frame completed by them. */
  push(chunk: Uint8Array): Frame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Frame[] = [];
    while (this.buffered >= 4) {
      const head = this.peek(4);
      const size = new DataView(head.buffer, head.byteOffset, 4).getUint32(0);
      if (size > this.maxFrameBytes) {
        throw new PulsarFrameError(`frame of ${size} bytes exceeds the limit of ${this.maxFrameBytes}`);
      }
      if (this.buffered < 4 + size) break;
      const whole = this.take(4 + size);
      frames.push(decodeFrame(whole.subarray(4)));
    }
    return frames;
  }

  private peek(n: number): Uint8Array {
    const first = this.chunks[0] as Uint8Array;
    if (first.length >= n) return first.subarray(0, n);
    this.chunks = [concat(this.chunks, this.buffered)];
    return (this.chunks[0] as Uint8Array).subarray(0, n);
  }

  private take(n: number): Uint8Array {
    const first = this.chunks[0] as Uint8Array;
    if (first.length < n) this.chunks = [concat(this.chunks, this.buffered)];
    const merged = this.chunks[0] as Uint8Array;
    const out = merged.subarray(0, n);
    if (merged.length === n) this.chunks.shift();
    else this.chunks[0] = merged.subarray(n);
    this.buffered -= n;
    return out;
  }
}

function concat(chunks: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
