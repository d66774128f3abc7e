// Each token's use over the last 30 days (the quota timezone's days), from the ledger: what the
// token tables of the Tokens page and a user's page show beside each token.
import 'server-only';
import type { Services } from '@dsp/db';
import type { TokenUsageDTO } from '@/lib/types';

export async function tokenUsage(svc: Services, userId?: string): Promise<Record<string, TokenUsageDTO>> {
  const report = await svc.usage.report({ groupBy: 'token', ...(userId ? { userId } : {}) });
  const out: Record<string, TokenUsageDTO> = {};
  for (const r of report.rows) {
    const u = (out[r.key] ??= { requests: 0, totalTokens: 0, cost: {} });
    u.requests += r.requests;
    u.totalTokens += r.totalTokens;
    // one row per token and currency: each currency's amount is exact as the ledger summed it
    if (r.currency) u.cost[r.currency] = r.amount;
  }
  return out;
}
