import { ADMIT_LUA } from './admit.js';
import { FINISH_LUA, FINISH_NO_OUTBOX_LUA } from './finish.js';
import { RENEW_LUA } from './renew.js';
import { ACCOUNT_ACQUIRE_LUA, ACCOUNT_RELEASE_LUA } from './account.js';

export * from './account.js';
export { ADMIT_LUA } from './admit.js';

/** Scripts with their key counts, registered under versioned names so two releases never collide. */
export const SCRIPTS = {
  dspAdmitV2: { numberOfKeys: 5, lua: ADMIT_LUA },
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
  | { ok: false; reason: 'upstream_capacity'; full: number; disabled: number }
  | { ok: false; reason: 'budget'; budget: BudgetName; spentNanos: bigint; budgetNanos: bigint };

/** The budgets the admit script checks, in its order (result -9's second element, 1-based). */
export const BUDGET_NAMES = ['user_daily', 'user_monthly', 'token_daily', 'token_monthly'] as const;
export type BudgetName = (typeof BUDGET_NAMES)[number];

export function decodeAdmission(r: readonly (number | string)[]): Admission {
  const n = (i: number): number => Number(r[i] ?? 0);
  switch (Number(r[0])) {
    case 1:
      return { ok: true, usageRatio: n(1) / 1e6, inFlight: r[2] === undefined ? 1 : n(2), account: n(3) - 1 };
    case -1:
      return { ok: false, reason: 'revoked' };
    case -2:
      return { ok: false, reason: 'disabled' };
    case -3:
      return { ok: false, reason: 'quota', quota: 'daily_requests', used: n(1), limit: n(2) };
    case -4:
      return { ok: false, reason: 'quota', quota: 'daily_tokens', used: n(1), limit: n(2) };
    case -5:
      return { ok: false, reason: 'quota', quota: 'monthly_tokens', used: n(1), limit: n(2) };
    case -6:
      return { ok: false, reason: 'concurrency', inFlight: n(1) };
    case -7:
      return { ok: false, reason: 'upstream_capacity', full: n(1), disabled: n(2) };
    case -8:
      return { ok: false, reason: 'unknown_user' };
    case -9: {
      const budget = BUDGET_NAMES[n(1) - 1];
      if (!budget) break;
      return { ok: false, reason: 'budget', budget, spentNanos: BigInt(r[2] ?? 0), budgetNanos: BigInt(r[3] ?? 0) };
    }
  }
  throw new Error(`admit script returned an unknown result ${JSON.stringify(r)}`);
}
