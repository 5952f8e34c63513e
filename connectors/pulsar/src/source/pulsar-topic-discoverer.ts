import type { PulsarClient } from '@tributary/pulsar-client';
import { fullTopicName, partitionIndexOf } from '@tributary/pulsar-client';

const PARTITION_SUFFIX = /-partition-\d+$/;

/** `tenant/ns/regex` or `persistent://tenant/ns/regex` → namespace and an anchored regex. */
export function parseTopicPattern(pattern: string): { namespace: string; regex: RegExp } {
  const path = pattern.replace(/^persistent:\/\//, '');
  const [tenant, namespace, ...rest] = path.split('/');
  return { namespace: `${tenant}/${namespace}`, regex: new RegExp(`^(?:${rest.join('/')})$`) };
}

/**
 * Finds the partitions to read: every partition of the listed topics, or of each topic of the
 * namespace whose local name matches the pattern (system topics, `__…`, excluded). A
 * non-partitioned topic is its own single "partition".
 */
export class PulsarTopicDiscoverer {
  constructor(
    private readonly client: PulsarClient,
    private readonly topics: readonly string[] | undefined,
    private readonly pattern: string | undefined,
  ) {}

  async discover(): Promise<string[]> {
    const topics = this.topics ?? (await this.matchingTopics(this.pattern as string));
    const partitions = await Promise.all(
      topics.map((t) => this.client.withRetries(() => this.client.partitionsOf(t))),
    );
    return partitions.flat();
  }

  private async matchingTopics(pattern: string): Promise<string[]> {
    const { namespace, regex } = parseTopicPattern(pattern);
    const names = await this.client.withRetries(() => this.client.topicsOfNamespace(namespace));
    const topics = new Set<string>();
    for (const name of names) {
      const full = fullTopicName(name);
      if (!full.startsWith('persistent://')) continue;
      // Partitions are listed one by one: match (and read) their topic once.
      const base = partitionIndexOf(full) >= 0 ? full.replace(PARTITION_SUFFIX, '') : full;
      const local = base.slice(base.lastIndexOf('/') + 1);
      if (!local.startsWith('__') && regex.test(local)) topics.add(base);
    }
    return [...topics].sort();
  }
}
