// admit: one Redis round trip decides revoked? disabled? quota? and takes a lease on one of the
// token's concurrency slots. The lease is owned by this request's id and expires by itself.
import { ADMIT_LUA, GatewayError, decodeAdmission, keys, nanosToDecimal, periodAt, type Admission, type BudgetName } from '@dsp/core';
import { accountInputs } from '../accounts/account-admission.js';
import type { Account } from '../accounts/account-set.js';
import type { Deps } from '../deps.js';
import type { Identity } from './authenticate.js';

export interface Lease {
  id: string;
  /** the token (jti) the lease belongs to: its own spend counter is charged at finish */
  jti: string;
  key: string;
  dayKey: string;
  monthKey: string;
  dayTtl: number;
  monthTtl: number;
  /** false when Redis was down and on_redis_error = "allow": nothing to release */
  held: boolean;
  /** the upstream account the request goes to (changes on failover) */
  account: Account;
  /** the account's slot is held (a capped account, admitted through Redis) */
  accountHeld: boolean;
}

const QUOTA_NAMES = { daily_requests: 'daily request', daily_tokens: 'daily token', monthly_tokens: 'monthly token' } as const;
/** keep yesterday's counters an hour past the reset, for late finishes and inspection */
const COUNTER_GRACE_SECONDS = 3600;

export async function admit(identity: Identity, requestId: string, model: string, deps: Deps): Promise<Lease> {
  const { config, metrics } = deps;
  const period = deps.clock.now();
  const p = config.redis.key_prefix;
  const lease: Lease = {
    id: requestId,
    jti: identity.jti,
    key: identity.keyLeases,
    dayKey: keys.day(p, identity.sub, period.day),
    monthKey: keys.month(p, identity.sub, period.month),
    dayTtl: period.daySecondsLeft + COUNTER_GRACE_SECONDS,
    monthTtl: period.monthSecondsLeft + COUNTER_GRACE_SECONDS,
    held: true,
    account: deps.accounts.current.list[0]!,
    accountHeld: false,
  };
  const set = deps.accounts.current;
  const refuseUnknown = config.auth.unknown_users === 'reject';
  const run = async (unknownRefused: boolean): Promise<Admission> => {
    const userKeys = [identity.keyUser, identity.keyRevoked, lease.key, lease.dayKey, lease.monthKey];
    const args = [
      identity.jti,
      lease.id,
      identity.concurrency,
      Math.round(config.limits.lock_lease_seconds * 1000),
      config.quota.default_daily_requests,
      config.quota.default_daily_tokens,
      config.quota.default_monthly_tokens,
      lease.dayTtl,
      lease.monthTtl,
      unknownRefused ? '1' : '0',
    ];
    if (set.trivial) return decodeAdmission(await deps.scripts.dspAdmitV2(...userKeys, ...args));
    // the account is chosen, and its slot taken, in the same script as the quota and token slot
    const acct = accountInputs(set, model, new Set());
    if (acct.eligible === 0) throw noAccount();
    const raw = await deps.scripts.evalKeys(ADMIT_LUA, userKeys.length + acct.keys.length, [...userKeys, ...acct.keys, ...args, ...acct.args]);
    const r = decodeAdmission(raw as (number | string)[]);
    if (r.ok) {
      lease.account = set.list[r.account]!;
      lease.accountHeld = lease.account.config.maxConcurrency > 0;
    }
    return r;
  };
  let result: Admission;
  try {
    result = await run(refuseUnknown);
    // no user hash and no sync marker: Redis lost its state and the primary is rebuilding it, so
    // the user may well exist; serve rather than refuse everyone until the rebuild is done
    if (!result.ok && result.reason === 'unknown_user' && !(await stateIsSynced(deps))) {
      result = await run(false);
    }
  } catch (e) {
    if (e instanceof GatewayError) throw e;
    if (config.limits.on_redis_error === 'allow') {
      deps.log.warn({ err: (e as Error).message, user: identity.sub }, 'redis unavailable: admitting without lock or quota (on_redis_error = "allow")');
      return { ...lease, held: false, account: firstEligible(set.list, model) };
    }
    deps.log.warn({ err: (e as Error).message }, 'redis unavailable: refusing request');
    throw new GatewayError('service_unavailable', 'the gateway cannot reach its state store; try again shortly', { 'retry-after': '1' });
  }
  if (result.ok) {
    metrics.quotaUsage.observe(result.usageRatio);
    return lease;
  }
  switch (result.reason) {
    case 'revoked':
      throw new GatewayError('invalid_token', 'invalid token: revoked');
    case 'disabled':
      throw new GatewayError('user_disabled', 'this user is disabled');
    case 'unknown_user':
      throw unknownUser(identity);
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

/** A validly signed token for a user never created here ([auth] unknown_users = "reject"). */
export function unknownUser(identity: Identity): GatewayError {
  return new GatewayError(
    'unknown_user',
    `user ${JSON.stringify(identity.sub)} does not exist on this gateway (the token is validly signed, but no such user was created)`,
  );
}

/** The sync marker is present: Redis holds every known user's hash (a missing hash means unknown). */
export async function stateIsSynced(deps: Deps): Promise<boolean> {
  return (await deps.redis.exists(keys.syncMarker(deps.config.redis.key_prefix))) === 1;
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
function warn429(deps: Deps, identity: Identity, fields: Record<string, unknown>, message: string): void {
  const held = deps.refusalWarnings.admit(identity.jti);
  if (held === null) return;
  deps.log.warn({ user: identity.sub, token: identity.jti, ...fields, ...(held > 0 ? { suppressed: held } : {}) }, message);
}
