import { expect, it } from 'vitest';
import { CollectionSource, Pipeline, silentLogger } from '../index.js';
import { jsonSerializer, type VersionedSerializer } from '../serialization/versioned-serializer.js';
import type {
  CommitRequest,
  Committer,
  CommittingSinkWriter,
  Sink,
  SinkWriter,
  SupportsCommitter,
  WriterInitContext,
} from './sink.js';

/**
 * `Sink<T, CommT, StateT>` ties the writer's `prepareCommit()`, the committable serializer and the
 * committer to one type. The `@ts-expect-error` lines are checked by `pnpm typecheck`: each must
 * be an error, or the typecheck fails.
 */
interface Batch {
  readonly values: number[];
}
interface Other {
  readonly id: string;
}

const committed: number[] = [];

class BatchWriter implements CommittingSinkWriter<number, Batch> {
  private values: number[] = [];
  async write(batch: readonly number[]): Promise<void> {
    this.values.push(...batch);
  }
  async flush(): Promise<void> {}
  async prepareCommit(): Promise<Batch[]> {
    const out = this.values.length > 0 ? [{ values: this.values }] : [];
    this.values = [];
    return out;
  }
  async close(): Promise<void> {}
}

class BatchCommitter implements Committer<Batch> {
  async commit(requests: readonly CommitRequest<Batch>[]): Promise<void> {
    for (const r of requests) committed.push(...r.committable.values);
  }
  async close(): Promise<void> {}
}

// #region typed-sink-example
// `Batch` is the committable: the writer's prepareCommit(), the serializer and the committer
// must all agree on it, or the class does not compile.
class BatchSink implements Sink<number, Batch>, SupportsCommitter<Batch> {
  readonly committableSerializer = jsonSerializer<Batch>({ name: 'Batch' });
  createWriter(_ctx: WriterInitContext): BatchWriter /* a CommittingSinkWriter<number, Batch> */ {
    return new BatchWriter();
  }
  createCommitter(): Committer<Batch> {
    return new BatchCommitter();
  }
}
// #endregion typed-sink-example

class OtherWriter extends BatchWriter {
  // @ts-expect-error prepareCommit must return the committable type of the writer it extends
  override async prepareCommit(): Promise<Other[]> {
    return [];
  }
}

export class WriterCommitsAnotherType implements Sink<number, Batch> {
  // @ts-expect-error the writer pre-commits `Other`, the sink declares `Batch`
  createWriter(): CommittingSinkWriter<number, Other> {
    return new OtherWriter() as unknown as CommittingSinkWriter<number, Other>;
  }
}

export class WriterWithoutPrepareCommit implements Sink<number, Batch> {
  // @ts-expect-error a sink with committables needs a committing writer
  createWriter(): SinkWriter<number> {
    return { write: async () => {}, flush: async () => {}, close: async () => {} };
  }
}

export class SerializerOfAnotherType implements Sink<number, Batch>, SupportsCommitter<Batch> {
  // @ts-expect-error the committable serializer must serialize `Batch`
  readonly committableSerializer: VersionedSerializer<Other> = jsonSerializer<Other>();
  createWriter(): BatchWriter {
    return new BatchWriter();
  }
  createCommitter(): Committer<Batch> {
    return new BatchCommitter();
  }
}

export class CommitterOfAnotherType implements Sink<number, Batch>, SupportsCommitter<Batch> {
  readonly committableSerializer = jsonSerializer<Batch>();
  createWriter(): BatchWriter {
    return new BatchWriter();
  }
  // @ts-expect-error the committer must commit `Batch`
  createCommitter(): Committer<Other> {
    return { commit: async () => {}, close: async () => {} };
  }
}

it('a sink typed Sink<T, CommT> runs its committables through the committer', async () => {
  const result = await Pipeline.from(CollectionSource.of([1, 2, 3]))
    .sinkTo(new BatchSink())
    .execute({}, { logger: silentLogger });
  expect(result.status).toBe('finished');
  expect(committed).toEqual([1, 2, 3]);
});
