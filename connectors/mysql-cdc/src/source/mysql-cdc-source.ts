import {
  type Boundedness,
  type ChangeRecord,
  jsonSerializer,
  type Source,
  type SourceReader,
  type SourceReaderContext,
  type SplitEnumerator,
  type SplitEnumeratorContext,
  type VersionedSerializer,
} from '@tributary/core';
import type { BinlogClient } from '../binlog/binlog-client.js';
import { ZongJiBinlogClient } from '../binlog/zongji-binlog-client.js';
import type { Row } from '../schema/value-converter.js';
import {
  MySqlCdcSourceOptions,
  type MySqlCdcSourceOptionsInput,
  type ResolvedMySqlCdcSourceOptions,
} from './mysql-cdc-source-options.js';
import { MySqlCdcSourceReader } from './mysql-cdc-source-reader.js';
import type { MySqlCdcSplit } from './mysql-cdc-split.js';
import { type MySqlCdcEnumeratorState, MySqlCdcSplitEnumerator } from './mysql-cdc-split-enumerator.js';
import { connectionOptionsOf } from './mysql-connection.js';
import type { CdcRecord } from './schema-change-event.js';

/**
 * Change data capture of MySQL/MariaDB tables: a lock-free incremental snapshot in parallel
 * chunks, then the binlog, exactly-once across the switch (Flink CDC 2.0's algorithm). Emits
 * {@link ChangeRecord}s (`r` for snapshot rows, `c`/`u`/`d` for binlog changes), and with
 * `includeSchemaChanges` also `SchemaChangeEvent`s: type it `MySqlCdcSource<CdcRecord>` then.
 *
 * ```ts
 * const source = new MySqlCdcSource({ host, port, user, password, tables: ['shop\\.orders'] });
 * ```
 */
export class MySqlCdcSource<Out extends CdcRecord = ChangeRecord<Row>>
  implements Source<Out, MySqlCdcSplit, MySqlCdcEnumeratorState>
{
  readonly options: ResolvedMySqlCdcSourceOptions;
  readonly boundedness: Boundedness;
  readonly splitSerializer: VersionedSerializer<MySqlCdcSplit> = jsonSerializer<MySqlCdcSplit>({
    name: 'MySqlCdcSplit',
  });
  readonly enumeratorStateSerializer: VersionedSerializer<MySqlCdcEnumeratorState> =
    jsonSerializer<MySqlCdcEnumeratorState>({ name: 'MySqlCdcEnumeratorState' });

  constructor(options: MySqlCdcSourceOptionsInput) {
    this.options = MySqlCdcSourceOptions.parse(options);
    this.boundedness = this.options.startupMode === 'snapshot-only' ? 'bounded' : 'unbounded';
  }

  createEnumerator(
    ctx: SplitEnumeratorContext<MySqlCdcSplit>,
  ): SplitEnumerator<MySqlCdcSplit, MySqlCdcEnumeratorState> {
    return new MySqlCdcSplitEnumerator(this.options, ctx);
  }

  restoreEnumerator(
    ctx: SplitEnumeratorContext<MySqlCdcSplit>,
    state: MySqlCdcEnumeratorState,
  ): SplitEnumerator<MySqlCdcSplit, MySqlCdcEnumeratorState> {
    return new MySqlCdcSplitEnumerator(this.options, ctx, state);
  }

  createReader(ctx: SourceReaderContext): SourceReader<Out, MySqlCdcSplit> {
    // Out is ChangeRecord unless the caller widened it for includeSchemaChanges.
    return new MySqlCdcSourceReader(
      this.options,
      () => this.newBinlogClient(),
      ctx,
    ) as unknown as SourceReader<Out, MySqlCdcSplit>;
  }

  private newBinlogClient(): BinlogClient {
    return new ZongJiBinlogClient(connectionOptionsOf(this.options), this.options.serverTimeZone);
  }
}
