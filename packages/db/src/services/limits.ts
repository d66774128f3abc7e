// A quota limit and how it is stored: shared by the quotas service and the user row mapping
// (users-shared.ts), which the quotas service itself imports.

/** A limit: a count (0 blocks) or no limit at all. */
export type Limit = number | 'unlimited';
export const UNLIMITED = 'unlimited';
/** How "unlimited" is stored in Postgres and in the Redis user hash. */
export const UNLIMITED_STORED = -1;

/** A stored value (null, -1 or a count) as a Limit. */
export function limitFromStored(v: number | null): Limit | null {
  if (v === null) return null;
  return v === UNLIMITED_STORED ? UNLIMITED : v;
}

export function limitToStored(v: Limit | null): number | null {
  return v === UNLIMITED ? UNLIMITED_STORED : v;
}
