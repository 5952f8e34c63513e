/**
 * The connector's public API: a source (enumerator + reader on core's connector base), a
 * two-phase-commit sink, an async sink, and their option schemas.
 */

export {
  PartitionAsyncSinkOptions,
  type PartitionAsyncSinkOptionsInput,
  PartitionSinkOptions,
  type PartitionSinkOptionsInput,
  PartitionSourceOptions,
  type PartitionSourceOptionsInput,
} from './options.js';
export { PartitionAsyncSink } from './partition-async-sink.js';
export { type PartitionCommittable, PartitionSink } from './partition-sink.js';
export { type PartitionEnumeratorState, PartitionSource, type PartitionSplit } from './partition-source.js';
