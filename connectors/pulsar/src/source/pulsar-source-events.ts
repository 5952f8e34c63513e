/**
 * The source events of Shared/Key_Shared sources: each reader reports `restored` once it ended
 * the ack transactions of its restored checkpoint; when every reader did, the enumerator sends
 * each one `subscribe`. (Exclusive/Failover readers send nothing.)
 */
export const RESTORED_EVENT = 'pulsar-restored';
export const SUBSCRIBE_EVENT = 'pulsar-subscribe';
