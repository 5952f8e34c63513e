import { crc32c } from '@aws-crypto/crc32c';
import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { BaseCommand_Type, BaseCommandSchema, MessageMetadataSchema } from '../proto/PulsarApi_pb.js';
import {
  decodeFrame,
  encodePayloadCommand,
  encodeSimpleCommand,
  FrameReader,
  MAGIC_BROKER_ENTRY_METADATA,
  PulsarFrameError,
} from './frame.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('Pulsar frames', () => {
  it('uses CRC32C (Castagnoli): the standard check value of "123456789"', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
  });

  it('encodes PING exactly as the Java client does', () => {
    const ping = encodeSimpleCommand(create(BaseCommandSchema, { type: BaseCommand_Type.PING, ping: {} }));
    // totalSize 9, commandSize 5, BaseCommand{type = PING (18): 08 12, ping (field 18) = {}: 92 01 00}
    expect(hex(ping)).toBe('0000000900000005' + '0812920100');
    expect(decodeFrame(ping.subarray(4)).command.type).toBe(BaseCommand_Type.PING);
  });

  it('round-trips a payload command and verifies its checksum', () => {
    const command = create(BaseCommandSchema, {
      type: BaseCommand_Type.SEND,
      send: { producerId: 7n, sequenceId: 42n, numMessages: 1 },
    });
    const metadata = create(MessageMetadataSchema, {
      producerName: 'p',
      sequenceId: 42n,
      publishTime: 1000n,
    });
    const frame = encodePayloadCommand(command, metadata, new TextEncoder().encode('hello'));
    const decoded = decodeFrame(frame.subarray(4));
    expect(decoded.command.send?.sequenceId).toBe(42n);
    expect(decoded.metadata?.producerName).toBe('p');
    expect(new TextDecoder().decode(decoded.payload)).toBe('hello');

    const corrupted = frame.slice();
    corrupted[corrupted.length - 1] = (corrupted.at(-1) as number) ^ 0xff;
    expect(() => decodeFrame(corrupted.subarray(4))).toThrow(PulsarFrameError);
    expect(() => decodeFrame(corrupted.subarray(4))).toThrow(/checksum mismatch/);
  });

  it('skips a broker-entry metadata prefix before the checksum', () => {
    const command = create(BaseCommandSchema, {
      type: BaseCommand_Type.MESSAGE,
      message: { consumerId: 1n },
    });
    const metadata = create(MessageMetadataSchema, { producerName: 'p' });
    const plain = encodePayloadCommand(command, metadata, new Uint8Array([1, 2, 3]));
    const commandEnd = 8 + new DataView(plain.buffer).getUint32(4);
    const entryMeta = new Uint8Array([0x08, 0x01]); // broker_timestamp = 1
    const prefix = new Uint8Array(6 + entryMeta.length);
    new DataView(prefix.buffer).setUint16(0, MAGIC_BROKER_ENTRY_METADATA);
    new DataView(prefix.buffer).setUint32(2, entryMeta.length);
    prefix.set(entryMeta, 6);
    const withPrefix = Buffer.concat([plain.subarray(0, commandEnd), prefix, plain.subarray(commandEnd)]);
    withPrefix.writeUInt32BE(withPrefix.length - 4, 0);
    const decoded = decodeFrame(withPrefix.subarray(4));
    expect([...(decoded.payload ?? [])]).toEqual([1, 2, 3]);
  });

  it('reassembles frames split across and merged within TCP chunks', () => {
    const a = encodeSimpleCommand(create(BaseCommandSchema, { type: BaseCommand_Type.PING, ping: {} }));
    const b = encodeSimpleCommand(create(BaseCommandSchema, { type: BaseCommand_Type.PONG, pong: {} }));
    const stream = Buffer.concat([a, b, a]);
    const reader = new FrameReader();
    const types: BaseCommand_Type[] = [];
    for (let i = 0; i < stream.length; i += 3) {
      for (const frame of reader.push(stream.subarray(i, i + 3))) types.push(frame.command.type);
    }
    expect(types).toEqual([BaseCommand_Type.PING, BaseCommand_Type.PONG, BaseCommand_Type.PING]);
  });

  it('rejects a frame larger than the limit before buffering it', () => {
    const reader = new FrameReader(1024);
    expect(() => reader.push(new Uint8Array([0, 0, 0x10, 0]))).toThrow(/exceeds the limit/);
  });
});
