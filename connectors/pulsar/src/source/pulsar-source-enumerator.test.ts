import { FakeEnumeratorContext } from '@tributary/core/testing';
import { describe, expect, it } from 'vitest';
import type { PulsarPartitionSplit } from './pulsar-partition-split.js';
import type { ResolvedRange } from './pulsar-position-resolver.js';
import {
  PulsarSourceEnumerator,
  type PulsarSourceEnumState,
  pulsarSourceEnumStateSerializer,
  pulsarSplitOwner,
} from './pulsar-source-enumerator.js';

const T = 'persistent://public/default/orders';
const part = (i: number) => `${T}-partition-${i}`;

/** Services over a mutable partition list; resolves every partition to a recognizable range. */
function fakeServices(partitions: string[]) {
  const resolved: { partitions: string[]; initial: boolean }[] = [];
  return {
    resolved,
    partitions,
    services: {
      client: { close: async () => undefined },
      discoverer: { discover: async () => [...partitions] },
      resolver: {
        resolve: async (ps: readonly string[], initial: boolean) => {
          resolved.push({ partitions: [...ps], initial });
          return new Map<string, ResolvedRange>(
            ps.map((p): [string, ResolvedRange] => [
              p,
              {
                start: initial ? { kind: 'after', messageId: '9:9:-1:0' } : { kind: 'earliest' },
                stop: undefined,
              },
            ]),
          );
        },
      },
    },
  };
}

function enumerator(
  ctx: FakeEnumeratorContext<PulsarPartitionSplit>,
  services: ReturnType<typeof fakeServices>['services'],
  settings: { shared?: boolean; bounded?: boolean } = {},
  restored?: PulsarSourceEnumState,
) {
  return new PulsarSourceEnumerator(
    ctx,
    services,
    { shared: settings.shared ?? false, bounded: settings.bounded ?? false, discoveryIntervalMs: 1000 },
    restored,
  );
}

describe('PulsarSourceEnumerator', () => {
  it('Exclusive: one split per partition, spread over the readers, stable owners', async () => {
    const ctx = new FakeEnumeratorContext<PulsarPartitionSplit>(2);
    const { services } = fakeServices([part(0), part(1), part(2), part(3)]);
    const e = enumerator(ctx, services);
    e.start();
    ctx.register(0);
    ctx.register(1);
    e.addReader(0);
    e.addReader(1);
    await ctx.runAsyncTasks();
    expect(
      ctx
        .allAssigned()
        .map((s) => s.splitId)
        .sort(),
    ).toEqual([part(0), part(1), part(2), part(3)]);
    expect(ctx.splitsOf(0)).toHaveLength(2);
    for (const split of ctx.allAssigned()) {
      expect(ctx.splitsOf(pulsarSplitOwner(split, 2))).toContain(split.splitId);
      expect(split.start).toEqual({ kind: 'after', messageId: '9:9:-1:0' });
    }
    expect(ctx.noMoreSplits).toEqual([]);
  });

  it('finds partitions added later and starts them at the earliest message', async () => {
    const ctx = new FakeEnumeratorContext<PulsarPartitionSplit>(1);
    const fake = fakeServices([part(0)]);
    const e = enumerator(ctx, fake.services);
    e.start();
    ctx.register(0);
    e.addReader(0);
    await ctx.runAsyncTasks();
    fake.partitions.push(part(1));
    await ctx.runAsyncTasks();
    expect(fake.resolved).toEqual([
      { partitions: [part(0)], initial: true },
      { partitions: [part(1)], initial: false },
    ]);
    expect(ctx.allAssigned().find((s) => s.topic === part(1))?.start).toEqual({ kind: 'earliest' });
  });

  it('bounded: discovers once, then tells each reader there are no more splits', async () => {
    const ctx = new FakeEnumeratorContext<PulsarPartitionSplit>(3);
    const { services } = fakeServices([part(0)]);
    const e = enumerator(ctx, services, { bounded: true });
    e.start();
    for (const r of [0, 1, 2]) {
      ctx.register(r);
      e.addReader(r);
    }
    await ctx.runAsyncTasks();
    expect(ctx.pendingAsyncTasks).toBe(0);
    expect(ctx.noMoreSplits.sort()).toEqual([0, 1, 2]);
  });

  it('Shared: every reader slot gets a split of every partition, also a slot added by a rescale', async () => {
    const ctx = new FakeEnumeratorContext<PulsarPartitionSplit>(2);
    const { services } = fakeServices([part(0), part(1)]);
    const e = enumerator(ctx, services, { shared: true });
    e.start();
    ctx.register(0);
    ctx.register(1);
    e.addReader(0);
    e.addReader(1);
    await ctx.runAsyncTasks();
    expect(ctx.splitsOf(0).sort()).toEqual([`${part(0)}@0`, `${part(1)}@0`]);
    expect(ctx.splitsOf(1).sort()).toEqual([`${part(0)}@1`, `${part(1)}@1`]);

    const state = pulsarSourceEnumStateSerializer.deserialize(
      pulsarSourceEnumStateSerializer.version,
      pulsarSourceEnumStateSerializer.serialize(e.snapshotState()),
    );
    const rescaled = new FakeEnumeratorContext<PulsarPartitionSplit>(3);
    const restored = enumerator(rescaled, services, { shared: true }, state);
    restored.start();
    rescaled.register(2);
    restored.addReader(2);
    expect(rescaled.splitsOf(2).sort()).toEqual([`${part(0)}@2`, `${part(1)}@2`]);
  });

  it('takes splits back from a failed reader and assigns them again', async () => {
    const ctx = new FakeEnumeratorContext<PulsarPartitionSplit>(1);
    const { services } = fakeServices([part(0)]);
    const e = enumerator(ctx, services);
    e.start();
    ctx.register(0);
    e.addReader(0);
    await ctx.runAsyncTasks();
    const [split] = ctx.allAssigned();
    const back = {
      ...(split as PulsarPartitionSplit),
      start: { kind: 'after' as const, messageId: '10:1:-1:0' },
    };
    ctx.readers.delete(0);
    e.addSplitsBack([back]);
    expect(e.snapshotState().pendingSplits).toEqual([back]);
    ctx.register(0);
    e.addReader(0);
    expect(ctx.assigned.get(0)?.at(-1)).toEqual(back);
  });

  it('fails the job when the first discovery fails, and only logs later failures', async () => {
    const ctx = new FakeEnumeratorContext<PulsarPartitionSplit>(1);
    let fail = true;
    const e = enumerator(ctx, {
      ...fakeServices([]).services,
      discoverer: {
        discover: async () => {
          if (fail) throw new Error('lookup failed');
          return [];
        },
      },
    });
    e.start();
    await ctx.runAsyncTasks();
    expect(ctx.failures).toHaveLength(1);
    fail = false;
    await ctx.runAsyncTasks();
    fail = true;
    await ctx.runAsyncTasks();
    expect(ctx.failures).toHaveLength(1);
  });
});

describe('PulsarSourceEnumerator end position', () => {
  it('reports the resolved stop of every partition', async () => {
    const ctx = new FakeEnumeratorContext<PulsarPartitionSplit>(1);
    const services = {
      ...fakeServices([]).services,
      discoverer: { discover: async () => [part(0), part(1)] },
      resolver: {
        resolve: async (ps: readonly string[]) =>
          new Map<string, ResolvedRange>(
            ps.map((p, i): [string, ResolvedRange] => [
              p,
              {
                start: { kind: 'earliest' },
                stop: i === 0 ? { kind: 'afterMessageId', messageId: '4:7:-1:0' } : { kind: 'empty' },
              },
            ]),
          ),
      },
    };
    const e = enumerator(ctx, services, { bounded: true });
    e.start();
    await ctx.runAsyncTasks();
    expect(e.endPosition()).toEqual({
      stops: { [part(0)]: { kind: 'afterMessageId', messageId: '4:7:-1:0' }, [part(1)]: { kind: 'empty' } },
    });
  });
});

describe('PulsarSourceEnumerator restore barrier (Shared/Key_Shared)', () => {
  it('lets readers subscribe only once every reader ended its restored transactions', () => {
    const ctx = new FakeEnumeratorContext<PulsarPartitionSplit>(2);
    const e = enumerator(ctx, fakeServices([]).services, { shared: true });
    e.start();
    for (const r of [0, 1]) {
      ctx.register(r);
      e.addReader(r);
    }
    e.handleSourceEvent(0, { type: 'pulsar-restored' });
    expect(ctx.events).toEqual([]);
    e.handleSourceEvent(1, { type: 'pulsar-restored' });
    expect(ctx.events).toEqual([
      { subtask: 0, event: { type: 'pulsar-subscribe' } },
      { subtask: 1, event: { type: 'pulsar-subscribe' } },
    ]);
  });

  it('sends nothing for Exclusive sources', () => {
    const ctx = new FakeEnumeratorContext<PulsarPartitionSplit>(1);
    const e = enumerator(ctx, fakeServices([]).services);
    ctx.register(0);
    e.addReader(0);
    e.handleSourceEvent(0, { type: 'pulsar-restored' });
    expect(ctx.events).toEqual([]);
  });
});
