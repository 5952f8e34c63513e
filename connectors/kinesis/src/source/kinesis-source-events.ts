/** Reader → enumerator: these shards were read to their end (their children may start). */
export const SHARDS_FINISHED_EVENT = 'kinesis-shards-finished';
/** Enumerator → reader: the end of these shards is recorded. */
export const SHARDS_FINISHED_ACK_EVENT = 'kinesis-shards-finished-ack';
