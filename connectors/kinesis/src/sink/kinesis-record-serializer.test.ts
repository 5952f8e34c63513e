import { hasErrorCode, type TributaryError } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { KinesisErrorCodes } from '../kinesis-error-codes.js';
import { kinesisPutEntrySerializer } from './kinesis-put-entry.js';
import { kinesisRecordSerializer } from './kinesis-record-serializer.js';

const json = { serialize: (v: unknown) => Buffer.from(JSON.stringify(v)) };

describe('kinesisRecordSerializer', () => {
  it('takes the partition key from a field, a function, or random UUIDs', () => {
    const byField = kinesisRecordSerializer<{ user: number }>({
      value: json,
      partitionKey: { field: 'user' },
    });
    expect(byField({ user: 42 }, 0).partitionKey).toBe('42');
    const byFn = kinesisRecordSerializer<{ user: number }>({
      value: json,
      partitionKey: (r) => `u-${r.user}`,
    });
    expect(byFn({ user: 7 }, 0).partitionKey).toBe('u-7');
    const random = kinesisRecordSerializer<{ user: number }>({ value: json });
    const keys = new Set(Array.from({ length: 50 }, () => random({ user: 1 }, 0).partitionKey));
    expect(keys.size).toBe(50);
  });

  it('names the record when its key is missing, too long or its hash key is out of range', () => {
    const byField = kinesisRecordSerializer<Record<string, unknown>>({
      value: json,
      partitionKey: { field: 'user' },
    });
    const missing = (() => {
      try {
        byField({ other: 1 }, 3);
      } catch (e) {
        return e as TributaryError;
      }
    })();
    expect(hasErrorCode(missing, KinesisErrorCodes.SERIALIZATION_FAILED)).toBe(true);
    expect(missing?.message).toContain('record 3');
    expect(missing?.message).toContain("'user'");
    expect(() => byField({ user: 'k'.repeat(257) }, 0)).toThrow(/1–256 characters/);
    const hashed = kinesisRecordSerializer<string>({ value: json, explicitHashKey: (v) => v });
    expect(hashed('340282366920938463463374607431768211455', 0).explicitHashKey).toBe(
      '340282366920938463463374607431768211455',
    );
    expect(() => hashed('340282366920938463463374607431768211456', 1)).toThrow(/\[0, 2\^128\)/);
    expect(() => hashed('-1', 1)).toThrow(/record 1/);
  });

  it('round-trips buffered entries through the checkpoint serializer', () => {
    const entry = { data: new Uint8Array([0, 255, 1, 2]), partitionKey: 'k', explicitHashKey: '12' };
    const back = kinesisPutEntrySerializer.deserialize(1, kinesisPutEntrySerializer.serialize(entry));
    expect(back).toEqual(entry);
    expect(() => kinesisPutEntrySerializer.deserialize(2, new Uint8Array())).toThrow(/version 2/);
  });
});
