import {
  MetricRegistry,
  type ReaderOutput,
  type SourceOutput,
  type SourceReaderContext,
  SourceReaderMetricGroup,
  silentLogger,
} from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { createKafkaClient } from '../client/kafka-client.js';
import { utf8Schema, valueOnly } from './kafka-record-deserializer.js';
import { KafkaSourceOptions } from './kafka-source-options.js';
import { KafkaSourceReader } from './kafka-source-reader.js';

function readerContext(registry: MetricRegistry): SourceReaderContext {
  return {
    subtaskId: 2,
    parallelism: 3,
    metricGroup: new SourceReaderMetricGroup(registry, { subtask: '2' }),
    logger: silentLogger,
    location: 'test',
    sendSplitRequest: () => undefined,
    sendSourceEventToCoordinator: () => undefined,
  };
}

function spyOutput(): ReaderOutput<string> & { idleMarks: number } {
  const split: SourceOutput<string> = {
    collect: () => undefined,
    emitWatermark: () => undefined,
    markIdle: () => undefined,
    markActive: () => undefined,
  };
  const out = {
    idleMarks: 0,
    ...split,
    markIdle: () => {
      out.idleMarks++;
    },
    createOutputForSplit: () => split,
    releaseOutputForSplit: () => undefined,
  };
  return out;
}

describe('KafkaSourceReader', () => {
  it('a reader that owns no partition marks itself idle once and reports no lag value (unknown, not 0)', async () => {
    // No split is added, so the reader never connects: the broker address is never used.
    const options = KafkaSourceOptions.parse({ brokers: ['127.0.0.1:1'], topics: ['t'], groupId: 'g' });
    const registry = new MetricRegistry();
    const reader = new KafkaSourceReader(
      createKafkaClient(options, silentLogger),
      options,
      valueOnly(utf8Schema),
      readerContext(registry),
    );
    const output = spyOutput();
    expect(reader.pollNext(output)).toBe('nothing');
    expect(reader.pollNext(output)).toBe('nothing');
    expect(output.idleMarks).toBe(1);
    expect(
      registry
        .metrics()
        .find((m) => m.name === 'pendingRecords')
        ?.read(),
    ).toBeUndefined();
    expect(reader.snapshotState(1)).toEqual([]);
    // Nothing to commit: no request is made for a completed checkpoint without offsets.
    reader.notifyCheckpointComplete(1);
    await reader.offsetCommitsSettled();
    await reader.close();
  });
});
