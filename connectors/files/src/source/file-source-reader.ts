import {
  type FileFormat,
  type FileReadBatch,
  SingleSplitFetcherManager,
  SourceReaderBase,
  type SourceReaderContext,
} from '@tributary/core';
import { type FileRecord, FileRecordEmitter } from './file-record-emitter.js';
import type { ResolvedFileSourceOptions } from './file-source-options.js';
import type { FileSourceSplit, FileSplitState } from './file-source-split.js';
import { FileSplitReader } from './file-split-reader.js';

/**
 * The file source's reader: the connector base drives one fetch loop over a
 * {@link FileSplitReader}; splits are pulled from the enumerator one at a time (at start and after
 * each finished split), so fast readers take more files than slow ones.
 */
export class FileSourceReader<T> extends SourceReaderBase<
  FileReadBatch<T>,
  T | FileRecord<T>,
  FileSourceSplit,
  FileSplitState
> {
  constructor(format: FileFormat<T>, options: ResolvedFileSourceOptions, context: SourceReaderContext) {
    const manager = new SingleSplitFetcherManager<FileReadBatch<T>, FileSourceSplit>(
      () => new FileSplitReader(format, options, context.metricGroup),
      options,
      context.logger,
    );
    super(manager, new FileRecordEmitter<T>(options.withMetadata), context, options);
  }

  override start(): void {
    // Restored splits (if any) arrive right after start; one request more keeps the reader busy.
    this.context.sendSplitRequest();
  }

  protected initializedState(split: FileSourceSplit): FileSplitState {
    return { split, position: split.position };
  }

  protected toSplitType(_splitId: string, state: FileSplitState): FileSourceSplit {
    return { ...state.split, position: state.position };
  }

  protected onSplitFinished(): void {
    this.context.sendSplitRequest();
  }
}
