// Users with the limits in force and this period's counters from Redis (what the gateway enforces
// against); when Redis cannot be read the users are still listed, with the reason.
import { nanosToDecimal, periodAt } from '@dsp/core';
import { readCounters, redisReason } from '../redis.js';
import type { ServiceContext } from './context.js';
import type { QuotasService } from './quotas.js';
import type { UserSummary } from './users-types.js';
import type { User } from './users-shared.js';

/** The limits and counters of each of `users`, in order. */
export async function summarize(ctx: ServiceContext, quotas: QuotasService, users: User[]): Promise<{ rows: UserSummary[]; usageError?: string }> {
  const period = periodAt(ctx.config.quota.timezone, ctx.now());
  let counters: Awaited<ReturnType<typeof readCounters>> | null = null;
  let usageError: string | undefined;
  try {
    counters = await readCounters(
      ctx.redis,
      ctx.prefix,
      users.map((u) => u.id),
      period,
    );
  } catch (e) {
    usageError = `Redis counters unavailable: ${redisReason(e)}`;
  }
  const rows = users.map((u): UserSummary => {
    const c = counters?.get(u.id);
    return {
      ...u,
      limits: quotas.effective(u),
      usage: c
        ? {
            day: period.day,
            month: period.month,
            dailyRequests: c.day.requests,
            dailyTokens: c.day.tokens,
            monthlyRequests: c.month.requests,
            monthlyTokens: c.month.tokens,
            dailySpend: nanosToDecimal(c.day.spendNanos),
            monthlySpend: nanosToDecimal(c.month.spendNanos),
          }
        : null,
    };
  });
  return usageError ? { rows, usageError } : { rows };
}
