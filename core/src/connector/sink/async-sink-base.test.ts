import { describe, expect, it } from 'vitest';
import type { WriterInitContext } from '../../api/sink.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { MetricRegistry } from '../../metrics/metric-registry.js';
import { jsonSerializer } from '../../serialization/versioned-serializer.js';
import { AsyncSinkBase } from './async-sink-base.js';
import { AsyncSinkWriter } from './async-sink-writer.js';
import { AsyncSinkWriterOptions, type AsyncSinkWriterOptionsInput } from './async-sink-writer-options.js';
import type { BufferedRequestState } from './buffered-request-state.js';
import { fatalExceptionClassifierChain } from './fatal-exception-classifier.js';
import { testInitContext, writeCtx } from './testing-fixtures/mock-async-sink-writer.js';

// Shown in docs/async-sink.md (async-sink-docs.test.ts keeps it current).
// #region async-sink-example
/** What the (fake) service accepts in one batch call: one item per record. */
interface PutItem {
  readonly id: string;
  readonly body: string;
}

/** The client of a request/response API that accepts up to N items per call and may throttle some. */
interface ItemsClient {
  putItems(items: readonly PutItem[], signal: AbortSignal): Promise<{ failedIndexes: number[] }>;
}

class ItemsSinkWriter extends AsyncSinkWriter<{ id: string; text: string }, PutItem> {
  constructor(
    private readonly client: ItemsClient,
    context: WriterInitContext,
    options: AsyncSinkWriterOptionsInput,
    restoredState: readonly BufferedRequestState<PutItem>[],
  ) {
    super({
      context,
      options,
      restoredState,
      elementConverter: (record) => ({ id: record.id, body: record.text }),
      // A missing table never heals: fail (and restart from the checkpoint) instead of retrying.
      classifyError: fatalExceptionClassifierChain([
        (error) => ((error as { code?: string }).code === 'TableNotFound' ? 'fatal' : undefined),
        (error) => ((error as { code?: string }).code === 'Throttled' ? 'retry' : undefined),
      ]),
    });
  }

  protected override async submitRequestEntries(entries: readonly PutItem[]): Promise<readonly PutItem[]> {
    const { failedIndexes } = await this.client.putItems(entries, this.signal);
    return failedIndexes.map((i) => entries[i] as PutItem); // retried in this order, before newer entries
  }

  protected override getSizeInBytes(entry: PutItem): number {
    return Buffer.byteLength(entry.id) + Buffer.byteLength(entry.body);
  }
}

class ItemsSink extends AsyncSinkBase<{ id: string; text: string }, PutItem> {
  private readonly options: AsyncSinkWriterOptionsInput;

  constructor(
    private readonly client: ItemsClient,
    options: AsyncSinkWriterOptionsInput = {},
  ) {
    super(jsonSerializer<PutItem>({ name: 'PutItem' })); // how buffered entries go into checkpoints
    this.options = AsyncSinkWriterOptions.parse(options); // fail fast, when the job is built
  }

  protected override createAsyncWriter(
    ctx: WriterInitContext,
    restoredState: readonly BufferedRequestState<PutItem>[],
  ) {
    return new ItemsSinkWriter(this.client, ctx, this.options, restoredState);
  }
}
// #endregion async-sink-example

/** A fake service that throttles every third item of a call, once per item. */
class FakeItemsService implements ItemsClient {
  readonly stored: PutItem[] = [];
  readonly calls: string[][] = [];
  private readonly throttledOnce = new Set<string>();
  hold: Promise<void> | undefined;

  async putItems(items: readonly PutItem[]): Promise<{ failedIndexes: number[] }> {
    this.calls.push(items.map((i) => i.id));
    await this.hold;
    const failedIndexes: number[] = [];
    items.forEach((item, i) => {
      if (i % 3 === 2 && !this.throttledOnce.has(item.id)) {
        this.throttledOnce.add(item.id);
        failedIndexes.push(i);
      } else {
        this.stored.push(item);
      }
    });
    return { failedIndexes };
  }
}

const input = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => ({ id: `r${from + i}`, text: `text ${from + i}` }));
const options = { maxBatchSize: 4, maxBufferedRequests: 50, retryInitialDelayMs: 0, retryMaxDelayMs: 0 };

describe('AsyncSinkBase', () => {
  it('creates writers that deliver everything despite throttling', async () => {
    const service = new FakeItemsService();
    const registry = new MetricRegistry();
    const writer = await new ItemsSink(service, options).createWriter(testInitContext(registry));
    await writer.write(input(0, 10), writeCtx);
    await writer.flush(true);
    expect(service.stored.map((i) => i.id).sort()).toEqual(
      input(0, 10)
        .map((r) => r.id)
        .sort(),
    );
    expect(registry.find('numRecordsSend')?.read()).toBe(10);
    expect(registry.find('numRecordsSendErrors')?.read()).toBeGreaterThan(0);
    await writer.close();
  });

  it('checkpoints buffered entries through the state serializer and restores them first', async () => {
    const stuck = new FakeItemsService();
    stuck.hold = new Promise(() => {}); // the first request never answers: its entries are in flight
    const writer = await new ItemsSink(stuck, { ...options, maxInFlightRequests: 1 }).createWriter(
      testInitContext(),
    );
    await writer.write(input(0, 6), writeCtx);
    const [state] = await writer.snapshotState(1);
    const bytes = new ItemsSink(stuck).writerStateSerializer.serialize(
      state as BufferedRequestState<PutItem>,
    );
    await writer.close();

    // A new process: a new sink object reads the checkpointed bytes.
    const service = new FakeItemsService();
    const sink = new ItemsSink(service, { ...options, maxInFlightRequests: 1 });
    const recovered = sink.writerStateSerializer.deserialize(sink.writerStateSerializer.version, bytes);
    expect(recovered.entries.map((e) => e.entry.id)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
    expect(recovered.entries[0]?.sizeInBytes).toBe(Buffer.byteLength('r0text 0'));
    const restored = await sink.restoreWriter(testInitContext(), [recovered]);
    await restored.write(input(6, 8), writeCtx);
    await restored.flush(true);
    expect(service.calls[0]).toEqual(['r0', 'r1', 'r2', 'r3']);
    expect(service.stored.map((i) => i.id).sort()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7']);
    await restored.close();
  });

  it('validates options when the sink is built', () => {
    expect(
      () => new ItemsSink(new FakeItemsService(), { maxBatchSize: 10, maxBufferedRequests: 10 }),
    ).toThrow(TributaryError);
  });

  it('classifies with the connector chain: a missing table is fatal', async () => {
    const service: ItemsClient = {
      putItems: async () => {
        throw Object.assign(new Error('no such table'), { code: 'TableNotFound' });
      },
    };
    const writer = await new ItemsSink(service, options).createWriter(testInitContext());
    await writer.write(input(0, 1), writeCtx);
    await expect(writer.flush(true)).rejects.toMatchObject({ code: 'TRIB_SINK_FATAL' });
  });
});
