// admit: one Redis round trip decides revoked? disabled? quota? budget? and takes a lease on one of
// the token's concurrency slots (and, with several or capped upstream accounts, a slot on one of
// them: accounts/account-admission.ts). The lease is owned by this request's id and expires by itself.
import { ADMIT, GatewayError, keys, nanosToDecimal, periodAt, type Admission, type AdmitInput, type BudgetName } from '@dsp/core';
import { admitOnAccount } from '../accounts/account-admission.js';
import type { Account } from '../accounts/account-set.js';
import type { Deps } from '../deps.js';
import { accessRefused, redisTrouble, unknownRefusedOnlyWhenSynced } from './access.js';
import type { Identity, Lease } from './types.js';

export type AdmitServices = Pick<Deps, 'config' | 'metrics' | 'clock' | 'scripts' | 'redis' | 'accounts' | 'log' | 'refusalWarnings'>;

const QUOTA_NAMES = { daily_requests: 'daily request', daily_tokens: 'daily token', monthly_tokens: 'monthly token' } as const;
/** keep yesterday's counters an hour past the reset, for late finishes and inspection */
const COUNTER_GRACE_SECONDS = 3600;

export async function admit(identity: Identity, requestId: string, model: string, deps: AdmitServices): Promise<Lease> {
  const { config, metrics } = deps;
  const period = deps.clock.now();
  const p = config.redis.key_prefix;
  const set = deps.accounts.current;
  const lease: Lease = {
    id: requestId,
    jti: identity.jti,
    key: identity.keyLeases,
    dayKey: keys.day(p, identity.sub, period.day),
    monthKey: keys.month(p, identity.sub, period.month),
    dayTtl: period.daySecondsLeft + COUNTER_GRACE_SECONDS,
    monthTtl: period.monthSecondsLeft + COUNTER_GRACE_SECONDS,
    held: true,
    account: set.list[0]!,
    accountHeld: false,
  };
  const input: AdmitInput = {
    userKey: identity.keyUser,
    revokedKey: identity.keyRevoked,
    leaseKey: lease.key,
    dayKey: lease.dayKey,
    monthKey: lease.monthKey,
    jti: identity.jti,
    leaseId: lease.id,
    concurrency: identity.concurrency,
    leaseMs: Math.round(config.limits.lock_lease_seconds * 1000),
    defaultDailyRequests: config.quota.default_daily_requests,
    defaultDailyTokens: config.quota.default_daily_tokens,
    defaultMonthlyTokens: config.quota.default_monthly_tokens,
    dayTtl: lease.dayTtl,
    monthTtl: lease.monthTtl,
    refuseUnknown: false,
    accounts: null,
  };
  const run = async (refuseUnknown: boolean): Promise<Admission> => {
    input.refuseUnknown = refuseUnknown;
    if (set.trivial) return deps.scripts.run(ADMIT, input);
    const r = await admitOnAccount(set, model, input, lease, deps);
    if (r === null) throw noAccount();
    return r;
  };
  let result: Admission;
  try {
    result = await unknownRefusedOnlyWhenSynced(run, deps);
  } catch (e) {
    const refusal = redisTrouble(e, identity, deps);
    if (refusal) throw refusal;
    return { ...lease, held: false, account: firstEligible(set.list, model) };
  }
  if (result.ok) {
    metrics.quotaUsage.observe(result.usageRatio);
    return lease;
  }
  switch (result.reason) {
    case 'revoked':
    case 'disabled':
    case 'unknown_user':
      throw accessRefused(result.reason, identity);
    case 'concurrency':
      metrics.blocked.inc({ reason: 'concurrency' });
      warn429(deps, identity, { reason: 'concurrency', limit: identity.concurrency }, '429 concurrency limit');
      throw new GatewayError('concurrency_limit_exceeded', `this token already has ${identity.concurrency} request(s) in flight`, { 'retry-after': '1' });
    case 'upstream_capacity':
      if (result.full === 0) throw noAccount();
      throw capacity();
    case 'quota': {
      metrics.blocked.inc({ reason: 'quota' });
      const retry = result.quota === 'monthly_tokens' ? period.monthSecondsLeft : period.daySecondsLeft;
      warn429(deps, identity, { reason: 'quota', quota: result.quota, used: result.used, limit: result.limit }, '429 quota exceeded');
      throw new GatewayError('quota_exceeded', `${QUOTA_NAMES[result.quota]} quota of ${result.limit} is spent; it resets in ${retry} s`, {
        'retry-after': String(retry),
      });
    }
    case 'budget':
      metrics.blocked.inc({ reason: 'budget' });
      warn429(
        deps,
        identity,
        { reason: 'budget', budget: result.budget, spent: nanosToDecimal(result.spentNanos), limit: nanosToDecimal(result.budgetNanos) },
        '402 budget exceeded',
      );
      throw budgetExceeded(result.budget, result.spentNanos, result.budgetNanos, config.quota.budget_currency, config.quota.timezone, Date.now());
  }
}

const BUDGET_TEXT: Record<BudgetName, string> = {
  user_daily: 'daily budget',
  user_monthly: 'monthly budget',
  token_daily: "this token's daily budget",
  token_monthly: "this token's monthly budget",
};

/** 402 budget_exceeded: which budget, how much was spent, and when its period resets (also as Retry-After). */
export function budgetExceeded(budget: BudgetName, spent: bigint, limit: bigint, currency: string, timeZone: string, now: number): GatewayError {
  const p = periodAt(timeZone, now);
  const resetsAt = budget.endsWith('monthly') ? p.monthResetsAt : p.resetsAt;
  const retry = Math.max(1, Math.ceil((resetsAt - now) / 1000));
  return new GatewayError(
    'budget_exceeded',
    `${BUDGET_TEXT[budget]} of ${nanosToDecimal(limit)} ${currency} is spent (${nanosToDecimal(spent)} ${currency}); it resets at ${new Date(resetsAt).toISOString()} (in ${retry} s)`,
    { 'retry-after': String(retry) },
  );
}

/** Every account that serves the model is at its cap. */
export function capacity(): GatewayError {
  return new GatewayError('upstream_capacity', 'every upstream account is at its concurrency cap; try again shortly', { 'retry-after': '1' });
}

/** No account may take the request: all out of rotation or failing. */
function noAccount(): GatewayError {
  return new GatewayError('upstream_unreachable', 'no upstream account is available (all are out of rotation or failing)');
}

/** Without Redis (on_redis_error = "allow"): the first account that may serve the model, else the first. */
function firstEligible(list: readonly Account[], model: string): Account {
  return list.find((a) => a.config.enabled && (a.config.models.length === 0 || a.config.models.includes(model))) ?? list[0]!;
}

/** A 429's warn line, at most once per token per second; the line carries how many were held back. */
function warn429(deps: Pick<Deps, 'refusalWarnings' | 'log'>, identity: Identity, fields: Record<string, unknown>, message: string): void {
  const held = deps.refusalWarnings.admit(identity.jti);
  if (held === null) return;
  deps.log.warn({ user: identity.sub, token: identity.jti, ...fields, ...(held > 0 ? { suppressed: held } : {}) }, message);
}
