import { type SinkWriterContext, TributaryError } from '@tributary/core';
import type { OutgoingMessage } from '@tributary/pulsar-client';
import type {
  PulsarRecordSerializer,
  PulsarSinkContext,
  PulsarSinkMessage,
} from './pulsar-record-serializer.js';
import { PulsarSinkErrorCodes } from './pulsar-sink-error-codes.js';

/** A record turned into what the client sends, with the topic and routing inputs beside it. */
export interface ConvertedMessage {
  readonly topic: string;
  readonly message: OutgoingMessage;
  /** The serializer's view, handed to the router. */
  readonly source: PulsarSinkMessage;
  readonly bytes: number;
}

const encoder = new TextEncoder();

/**
 * Serializes one write's records in one pass; a throwing serializer becomes a typed error naming
 * the record's index in the batch (the record itself may hold secrets, so it is not echoed).
 */
export function convertBatch<T>(
  serializer: PulsarRecordSerializer<T>,
  batch: readonly T[],
  writerContext: SinkWriterContext,
  context: PulsarSinkContext,
): ConvertedMessage[] {
  const out: ConvertedMessage[] = new Array(batch.length);
  for (let i = 0; i < batch.length; i++) {
    let source: PulsarSinkMessage;
    try {
      source = serializer.serialize(batch[i] as T, writerContext.timestamp(i), context);
    } catch (cause) {
      throw new TributaryError(
        PulsarSinkErrorCodes.SERIALIZATION_FAILED,
        `Pulsar record serializer failed on record ${i} of the batch: ${(cause as Error)?.message ?? String(cause)}`,
        { cause, context: { index: i } },
      );
    }
    const payload = typeof source.value === 'string' ? encoder.encode(source.value) : source.value;
    const message: OutgoingMessage = {
      payload,
      ...(source.key === undefined ? {} : { key: source.key }),
      ...(source.properties === undefined ? {} : { properties: source.properties }),
      ...(source.eventTime === undefined ? {} : { eventTime: source.eventTime }),
      ...(source.deliverAt === undefined ? {} : { deliverAt: source.deliverAt }),
    };
    out[i] = { topic: source.topic, message, source, bytes: payload.length + (source.key?.length ?? 0) };
  }
  return out;
}
