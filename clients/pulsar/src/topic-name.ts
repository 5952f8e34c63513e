/** `my-topic` → `persistent://public/default/my-topic`; `t/ns/x` → `persistent://t/ns/x`. */
export function fullTopicName(topic: string): string {
  if (topic.includes('://')) return topic;
  const parts = topic.split('/');
  if (parts.length === 1) return `persistent://public/default/${topic}`;
  if (parts.length === 3) return `persistent://${topic}`;
  throw new Error(`invalid topic name "${topic}": expected name, tenant/namespace/name or a full URL`);
}

export const PARTITION_SUFFIX = '-partition-';

export function partitionTopicName(topic: string, partition: number): string {
  return `${fullTopicName(topic)}${PARTITION_SUFFIX}${partition}`;
}

/** The partition index of a `...-partition-N` name, or -1. */
export function partitionIndexOf(topic: string): number {
  const at = topic.lastIndexOf(PARTITION_SUFFIX);
  if (at < 0) return -1;
  const index = Number(topic.slice(at + PARTITION_SUFFIX.length));
  return Number.isInteger(index) ? index : -1;
}
