import type { Sink, SinkWriter, WriterInitContext } from '../../api/sink.js';
import type { Counter } from '../../metrics/metric-types.js';

/**
 * Drops every record and only counts it (`numRecordsSend` / `numRecordsOut`): for benchmarks of a
 * source or an operator chain, and for jobs run only for their side effects.
 */
export class DiscardingSink<T = unknown> implements Sink<T> {
  createWriter(ctx: WriterInitContext): SinkWriter<T> {
    return new DiscardingSinkWriter<T>(ctx.metricGroup.numRecordsSend);
  }
}

class DiscardingSinkWriter<T> implements SinkWriter<T> {
  constructor(private readonly sent: Counter) {}

  async write(batch: readonly T[]): Promise<void> {
    this.sent.inc(batch.length);
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {}
}
