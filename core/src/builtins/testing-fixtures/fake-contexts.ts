import type { SourceSplit } from '../../api/source.js';
import { FakeEnumeratorContext as BaseFakeEnumeratorContext } from '../../testing/fake-contexts.js';

export { fakeReaderContext, fakeWriterContext } from '../../testing/fake-contexts.js';

/** The shared fake enumerator context, with `callAsync` tasks started at once (as these tests expect). */
export class FakeEnumeratorContext<S extends SourceSplit> extends BaseFakeEnumeratorContext<S> {
  constructor(currentParallelism: number) {
    super(currentParallelism, { asyncTasks: 'immediate' });
  }
}
