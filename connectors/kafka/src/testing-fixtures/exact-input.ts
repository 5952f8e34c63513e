import { Partitioners, type ProducerConfig } from 'kafkajs';

/**
 * Producer settings for writing a test's input. Idempotent, because kafkajs resends a broker's
 * whole produce request when one partition in it answers a retriable error (e.g. NOT_LEADER right
 * after the topic was created): without sequence numbers the partitions the broker had already
 * appended would hold those records twice, and the test would blame the reader for duplicates.
 */
export const exactInput: ProducerConfig = {
  createPartitioner: Partitioners.DefaultPartitioner,
  idempotent: true,
  maxInFlightRequests: 1,
};
