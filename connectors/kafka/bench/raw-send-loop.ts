import type { Producer } from 'kafkajs';

/**
 * The sink benches' baseline: kafkajs's public producer sending `count` copies of `payload` in
 * requests of `perRequest` records, round-robin over `partitions`, one awaited send at a time with
 * the next request built while a send is in flight.
 */
export async function rawSendLoop(
  producer: Producer,
  topic: string,
  payload: Buffer,
  count: number,
  perRequest: number,
  partitions: number,
): Promise<void> {
  const request = (from: number) =>
    Array.from({ length: Math.min(perRequest, count - from) }, (_, i) => ({
      partition: (from + i) % partitions,
      value: payload,
    }));
  let next = request(0);
  for (let sent = 0; sent < count; ) {
    const sending = producer.send({ topic, acks: -1, messages: next });
    sent += next.length;
    if (sent < count) next = request(sent);
    await sending;
  }
}
