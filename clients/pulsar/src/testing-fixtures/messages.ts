import type { Consumer, ConsumerMessage } from '../consumer.js';

/** UTF-8 bytes of a test payload. */
export const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A received message's payload as text (undefined when nothing was received). */
export const str = (m: ConsumerMessage | undefined): string | undefined =>
  m === undefined ? undefined : new TextDecoder().decode(m.payload);

/** Receives until `count` messages arrived or `timeoutMs` passed; returns what arrived. */
export async function drain(
  consumer: Consumer,
  count: number,
  timeoutMs = 10_000,
): Promise<ConsumerMessage[]> {
  const out: ConsumerMessage[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < count && Date.now() < deadline) {
    const message = await consumer.receive(Math.max(1, deadline - Date.now()));
    if (message !== undefined) out.push(message);
  }
  return out;
}
