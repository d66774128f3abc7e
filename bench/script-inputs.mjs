// The request path's two scripts as the worker calls them, for the Redis benchmarks
// (redis-clients.mjs, redis-instructions.mjs): request `n` of loop `loop` of user `u<loop>`.
import { keys } from '@dsp/core';

/**
 * @param {string} prefix Redis key prefix of the run
 * @param {{ concurrency?: number, accounts?: object | null, spend?: string, event?: string }} [o]
 */
export function requestScripts(prefix, loop, n, o = {}) {
  const sub = `u${loop}`;
  const leaseId = `l${loop}-${n}`;
  const lease = keys.leases(prefix, sub, 't');
  const day = keys.day(prefix, sub, '20261203');
  const month = keys.month(prefix, sub, '202612');
  return {
    admit: {
      userKey: keys.user(prefix, sub),
      revokedKey: keys.revoked(prefix, sub),
      leaseKey: lease,
      dayKey: day,
      monthKey: month,
      jti: 't',
      leaseId,
      concurrency: o.concurrency ?? 4,
      leaseMs: 30_000,
      defaultDailyRequests: 0,
      defaultDailyTokens: 0,
      defaultMonthlyTokens: 0,
      dayTtl: 3600,
      monthTtl: 3600,
      refuseUnknown: false,
      accounts: o.accounts ?? null,
    },
    finish: {
      leaseKey: lease,
      dayKey: day,
      monthKey: month,
      outboxKey: `${prefix}outbox`,
      accountLeaseKey: null,
      leaseId,
      tokens: 42,
      dayTtl: 3600,
      monthTtl: 3600,
      retry: false,
      spend: o.spend ?? '0',
      jti: 't',
      event: o.event ?? `{"request_id":"${leaseId}"}`,
    },
  };
}
