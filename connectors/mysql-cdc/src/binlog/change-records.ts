import type { ChangeRecord } from '@tributary/core';
import type { Row, RowConverter } from '../schema/value-converter.js';
import { rowKeyText } from '../snapshot/chunk-range.js';
import type { RowsEvent } from './binlog-client.js';

/**
 * The change records of one binlog row: `c`, `u` or `d`; an update that changes the row's key
 * becomes a delete of the old key and an insert of the new one (as Debezium emits it), so
 * keyed sinks and the per-chunk filter see each key on its own.
 */
export function changeRecordsOf(
  event: RowsEvent,
  index: number,
  converter: RowConverter,
  keyColumns: readonly string[],
): ChangeRecord<Row>[] {
  const change = event.rows[index];
  if (change === undefined) return [];
  const source = {
    file: event.position.file,
    pos: event.position.pos,
    ...(event.gtid === undefined ? {} : { gtid: event.gtid }),
    serverId: event.serverId,
    tsMs: event.timestampMs,
    db: event.db,
    table: event.table,
  };
  const tsMs = Date.now();
  const before = change.before === undefined ? undefined : converter.convert(change.before);
  const after = change.after === undefined ? undefined : converter.convert(change.after);
  if (event.kind === 'insert') return [{ op: 'c', before: null, after: after ?? null, source, tsMs }];
  if (event.kind === 'delete') return [{ op: 'd', before: before ?? null, after: null, source, tsMs }];
  if (
    before !== undefined &&
    after !== undefined &&
    rowKeyText(before, keyColumns) !== rowKeyText(after, keyColumns)
  )
    return [
      { op: 'd', before, after: null, source, tsMs },
      { op: 'c', before: null, after, source, tsMs },
    ];
  return [{ op: 'u', before: before ?? null, after: after ?? null, source, tsMs }];
}
