/**
 * A point in the binlog: a file and a byte position in it. Positions the connector stores are
 * always transaction boundaries (the start of a transaction's first event), so "before/after a
 * position" is "committed before/after" for whole transactions.
 */
export interface BinlogPosition {
  readonly file: string;
  readonly pos: number;
}

/**
 * The connector's resume offset: the start of the transaction being read (file/position and the
 * GTID set executed before it), plus how many rows events of it and rows of the current event
 * were already emitted. Resuming starts the dump at the transaction start and skips exactly
 * those, so a crash mid-transaction neither repeats nor loses a row (the server only resumes at
 * event-group boundaries).
 */
export interface BinlogOffset extends BinlogPosition {
  /** MariaDB GTID position (`domain-server-seq,…`) of the transaction, when known. */
  readonly gtid?: string;
  /** Rows events of the transaction fully emitted. */
  readonly eventsToSkip: number;
  /** Rows of the next rows event already emitted. */
  readonly rowsToSkip: number;
}

/** The numeric sequence of a binlog file name (`mysql-bin.000042` → 42). */
function fileSequence(file: string): number {
  const dot = file.lastIndexOf('.');
  const n = Number(file.slice(dot + 1));
  return Number.isFinite(n) ? n : 0;
}

/** Orders two binlog positions (negative: `a` first). File names order by their numeric suffix. */
export function compareBinlogPositions(a: BinlogPosition, b: BinlogPosition): number {
  const byFile = fileSequence(a.file) - fileSequence(b.file);
  if (byFile !== 0) return byFile;
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.pos - b.pos;
}

/** The earliest of non-empty positions. */
export function minPosition<P extends BinlogPosition>(positions: readonly P[]): P | undefined {
  let min: P | undefined;
  for (const p of positions) if (min === undefined || compareBinlogPositions(p, min) < 0) min = p;
  return min;
}

/** A clean offset at a transaction boundary. */
export function offsetAt(position: BinlogPosition, gtid?: string): BinlogOffset {
  return {
    file: position.file,
    pos: position.pos,
    ...(gtid === undefined ? {} : { gtid }),
    eventsToSkip: 0,
    rowsToSkip: 0,
  };
}
