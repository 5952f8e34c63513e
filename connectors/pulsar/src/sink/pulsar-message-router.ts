import { keyHashPartition } from '@tributary/pulsar-client';
import type { PulsarRouter, PulsarRouterFunction, PulsarSinkContext } from './pulsar-record-serializer.js';

/**
 * The partition function of a {@link PulsarRouter}. Round-robin starts at the subtask's index so
 * that writers do not move over the partitions in lockstep; keyless messages under `key-hash`
 * round-robin the same way (the Java client's default).
 */
export function routerFunction<T>(
  router: PulsarRouter<T>,
  context: PulsarSinkContext,
): PulsarRouterFunction<T> {
  if (typeof router === 'function') return router;
  let next = context.subtaskId;
  const roundRobin = (count: number): number => {
    next = (next + 1) & 0x7fffffff;
    return next % count;
  };
  if (router === 'round-robin') return (_record, _message, count) => roundRobin(count);
  return (_record, message, count) =>
    message.key === undefined ? roundRobin(count) : keyHashPartition(message.key, count);
}
