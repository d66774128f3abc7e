import { ADMIT_LUA } from './admit.js';
import { FINISH_LUA, FINISH_NO_OUTBOX_LUA } from './finish.js';
import { RENEW_LUA } from './renew.js';
import { ACCOUNT_ACQUIRE_LUA, ACCOUNT_RELEASE_LUA } from './account.js';

export * from './account.js';
export { ADMIT_LUA } from './admit.js';

/** Scripts with their key counts, registered under versioned names so two releases never collide. */
export const SCRIPTS = {
  dspAdmitV1: { numberOfKeys: 5, lua: ADMIT_LUA },
  dspFinishV4: { numberOfKeys: 4, lua: FINISH_LUA },
  dspFinishNoOutboxV4: { numberOfKeys: 3, lua: FINISH_NO_OUTBOX_LUA },
  dspRenewV1: { numberOfKeys: 1, lua: RENEW_LUA },
  dspAccountReleaseV1: { numberOfKeys: 1, lua: ACCOUNT_RELEASE_LUA },
} as const;

/** Scripts whose number of keys varies per call (ioredis: numberOfKeys given as the first argument). */
export const VARIADIC_SCRIPTS = {
  dspAccountAcquireV1: { lua: ACCOUNT_ACQUIRE_LUA },
} as const;

/** Decoded result of the admit script. */
export type Admission =
  | { ok: true; usageRatio: number; inFlight: number; /** picked account candidate, 0-based; -1 when none were passed */ account: number }
  | { ok: false; reason: 'revoked' | 'disabled' | 'unknown_user' }
  | { ok: false; reason: 'quota'; quota: 'daily_requests' | 'daily_tokens' | 'monthly_tokens'; used: number; limit: number }
  | { ok: false; reason: 'concurrency'; inFlight: number }
  | { ok: false; reason: 'upstream_capacity'; full: number; disabled: number };

export function decodeAdmission(r: readonly number[]): Admission {
  switch (r[0]) {
    case 1:
      return { ok: true, usageRatio: (r[1] ?? 0) / 1e6, inFlight: r[2] ?? 1, account: (r[3] ?? 0) - 1 };
    case -1:
      return { ok: false, reason: 'revoked' };
    case -2:
      return { ok: false, reason: 'disabled' };
    case -3:
      return { ok: false, reason: 'quota', quota: 'daily_requests', used: r[1] ?? 0, limit: r[2] ?? 0 };
    case -4:
      return { ok: false, reason: 'quota', quota: 'daily_tokens', used: r[1] ?? 0, limit: r[2] ?? 0 };
    case -5:
      return { ok: false, reason: 'quota', quota: 'monthly_tokens', used: r[1] ?? 0, limit: r[2] ?? 0 };
    case -6:
      return { ok: false, reason: 'concurrency', inFlight: r[1] ?? 0 };
    case -7:
      return { ok: false, reason: 'upstream_capacity', full: r[1] ?? 0, disabled: r[2] ?? 0 };
    case -8:
      return { ok: false, reason: 'unknown_user' };
    default:
      throw new Error(`admit script returned an unknown result ${JSON.stringify(r)}`);
  }
}
