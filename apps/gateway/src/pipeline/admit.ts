// admit: one Redis round trip decides revoked? disabled? quota? and takes a lease on one of the
// token's concurrency slots. The lease is owned by this request's id and expires by itself.
import { GatewayError, decodeAdmission, keys, type Admission } from '@dsp/core';
import type { Deps } from '../deps.js';
import type { Identity } from './authenticate.js';

export interface Lease {
  id: string;
  key: string;
  dayKey: string;
  monthKey: string;
  dayTtl: number;
  monthTtl: number;
  /** false when Redis was down and on_redis_error = "allow": nothing to release */
  held: boolean;
}

const QUOTA_NAMES = { daily_requests: 'daily request', daily_tokens: 'daily token', monthly_tokens: 'monthly token' } as const;
/** keep yesterday's counters an hour past the reset, for late finishes and inspection */
const COUNTER_GRACE_SECONDS = 3600;

export async function admit(identity: Identity, requestId: string, deps: Deps): Promise<Lease> {
  const { config, metrics } = deps;
  const period = deps.clock.now();
  const p = config.redis.key_prefix;
  const lease: Lease = {
    id: requestId,
    key: identity.keyLeases,
    dayKey: keys.day(p, identity.sub, period.day),
    monthKey: keys.month(p, identity.sub, period.month),
    dayTtl: period.daySecondsLeft + COUNTER_GRACE_SECONDS,
    monthTtl: period.monthSecondsLeft + COUNTER_GRACE_SECONDS,
    held: true,
  };
  let result: Admission;
  try {
    const raw = await deps.scripts.dspAdmitV1(
      identity.keyUser,
      identity.keyRevoked,
      lease.key,
      lease.dayKey,
      lease.monthKey,
      identity.jti,
      lease.id,
      identity.concurrency,
      Math.round(config.limits.lock_lease_seconds * 1000),
      config.quota.default_daily_requests,
      config.quota.default_daily_tokens,
      config.quota.default_monthly_tokens,
      lease.dayTtl,
      lease.monthTtl,
    );
    result = decodeAdmission(raw);
  } catch (e) {
    if (config.limits.on_redis_error === 'allow') {
      deps.log.warn({ err: (e as Error).message, user: identity.sub }, 'redis unavailable: admitting without lock or quota (on_redis_error = "allow")');
      return { ...lease, held: false };
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
    case 'concurrency':
      metrics.blocked.inc({ reason: 'concurrency' });
      deps.log.warn({ user: identity.sub, token: identity.jti, reason: 'concurrency', limit: identity.concurrency }, '429 concurrency limit');
      throw new GatewayError('concurrency_limit_exceeded', `this token already has ${identity.concurrency} request(s) in flight`, { 'retry-after': '1' });
    case 'upstream_capacity':
      throw new GatewayError('upstream_capacity', 'every upstream account is at its concurrency cap; try again shortly', { 'retry-after': '1' });
    case 'quota': {
      metrics.blocked.inc({ reason: 'quota' });
      const retry = result.quota === 'monthly_tokens' ? period.monthSecondsLeft : period.daySecondsLeft;
      deps.log.warn({ user: identity.sub, reason: 'quota', quota: result.quota, used: result.used, limit: result.limit }, '429 quota exceeded');
      throw new GatewayError('quota_exceeded', `${QUOTA_NAMES[result.quota]} quota of ${result.limit} is spent; it resets in ${retry} s`, {
        'retry-after': String(retry),
      });
    }
  }
}
