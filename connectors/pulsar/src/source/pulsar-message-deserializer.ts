import type { DeserializationSchema } from '@tributary/core';
import type { ConsumerMessage } from '@tributary/pulsar-client';

/**
 * Turns a consumed Pulsar message (payload, key, properties, times, id) into the source's
 * output. Return `undefined` to drop a message (it still counts as read). Called per message on
 * the reader's hot path.
 */
export interface PulsarMessageDeserializer<T> {
  deserialize(message: ConsumerMessage): T | undefined;
}

/** A deserializer that reads only the payload with a format's schema (e.g. JSON). */
export function valueOnly<T>(schema: DeserializationSchema<T>): PulsarMessageDeserializer<T> {
  return {
    deserialize: (message) => schema.deserialize(message.payload, { topic: message.topic }),
  };
}
