// Redis key layout. Every key one request touches carries the user's hash tag `{u:<sub>}` so the
// admission and finish scripts run unchanged on Redis Cluster (all keys in one slot).

export interface Period {
  /** local calendar day in the quota timezone, e.g. 20261201 */
  day: string;
  /** local month, e.g. 202612 */
  month: string;
  /** seconds until the day counter resets (local midnight) */
  daySecondsLeft: number;
  /** seconds until the month counter resets */
  monthSecondsLeft: number;
}

export function userTag(prefix: string, sub: string): string {
  return `${prefix}{u:${sub}}`;
}

export const keys = {
  user: (prefix: string, sub: string) => `${userTag(prefix, sub)}:user`,
  revoked: (prefix: string, sub: string) => `${userTag(prefix, sub)}:revoked`,
  leases: (prefix: string, sub: string, jti: string) => `${userTag(prefix, sub)}:lease:${jti}`,
  day: (prefix: string, sub: string, day: string) => `${userTag(prefix, sub)}:d:${day}`,
  month: (prefix: string, sub: string, month: string) => `${userTag(prefix, sub)}:m:${month}`,
  /** one outbox per gateway worker slot; a replacement worker in the same slot drains it */
  outbox: (prefix: string, instance: string, slot: number) => `${prefix}{ob:${instance}:${slot}}:outbox`,
  /** an upstream account's slots (lease zset); every account key shares the `{acct}` hash tag */
  accountLeases: (prefix: string, account: string) => `${prefix}{acct}:lease:${account}`,
  /** accounts out of rotation: field = account name, value = why (`operator`, `key_refused`, `balance`) and since when */
  accountsDisabled: (prefix: string) => `${prefix}{acct}:disabled`,
  /** accounts whose balance is below their `low_balance`: field = account name, value = JSON (lowMarkValue) */
  accountsLow: (prefix: string) => `${prefix}{acct}:low`,
  /** pub/sub channel: the console asks every gateway host to reload its accounts */
  accountsReloadChannel: (prefix: string) => `${prefix}accounts:reload`,
  /** the dashboard's history: one hash per minute (minutes since the epoch), every host adding to it; one slot */
  historyMinute: (prefix: string, minute: number) => `${prefix}{hist}:m:${minute}`,
  /** set by `sync`; its absence tells a gateway that Redis lost its state */
  // v2: a user's own quota of 0 now blocks and -1 is unlimited (migration 190 rewrote the old 0s);
  // the new name makes every primary rebuild the user hashes once after the upgrade
  syncMarker: (prefix: string) => `${prefix}sync:marker:v2`,
  /** BullMQ prefix for the usage queue; on Redis Cluster a hash tag, so the queue's keys share a slot */
  queuePrefix: (prefix: string, cluster = false) => (cluster ? `{${prefix}bull}` : `${prefix}bull`),
};

export const USAGE_QUEUE = 'usage';

/** Subject and token ids become part of Redis keys and the hash tag: keep them to a safe alphabet. */
export const ID_PATTERN = /^[A-Za-z0-9._@:-]{1,128}$/;
