import type { Sink } from '../api/sink.js';
import type { AnySource } from '../api/source.js';
import type { WatermarkStrategy } from '../api/watermark.js';
import type { ChainOperator } from './operator-chain.js';

/**
 * What a job is made of: one source, a chain of stateless operators, one sink. Kept as plain data
 * so more sources, sinks and keyed repartitioning can be added later without touching connectors.
 */
export interface JobGraph {
  readonly source: AnySource<unknown>;
  readonly sourceName: string;
  readonly watermarks: WatermarkStrategy<unknown> | undefined;
  readonly operators: readonly ChainOperator[];
  readonly sink: Sink<unknown>;
  readonly sinkName: string;
}
