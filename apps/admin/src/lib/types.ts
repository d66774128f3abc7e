// The plain JSON shapes the server hands to the browser components: the service layer's own types
// (type-only imports, nothing of @dsp/db reaches the browser bundle) as JSON makes them.
import type { AuditEntry, DailyUsageRow, EffectiveLimits, RefusalRow, RequestLogRow, TokenRecord, UsageTotals, User, UserSummary } from '@dsp/db';

/** What JSON.stringify makes of a value: Dates become ISO strings. */
export type Json<T> = T extends Date ? string : T extends readonly (infer U)[] ? Json<U>[] : T extends object ? { [K in keyof T]: Json<T[K]> } : T;

export type Limits = Json<EffectiveLimits>;
export type UserDTO = Json<User>;
export type UserSummaryDTO = Json<UserSummary>;
export type TokenDTO = Json<TokenRecord>;
export type UsageTotalsDTO = Json<UsageTotals>;
export type DailyUsageDTO = Json<DailyUsageRow>;
export type RequestLogDTO = Json<RequestLogRow>;
export type AuditDTO = Json<AuditEntry>;
export type RefusalDTO = Json<RefusalRow>;

/** Token budgets on the user page: the budget currency and what each token spent this day / month
 * (exact decimal strings, by token id; a token that spent nothing is absent); spend null when Redis
 * could not be read. */
export interface TokenBudgetsDTO {
  currency: string;
  spend: Record<string, { dailySpend: string; monthlySpend: string }> | null;
}

/** A token's use over the last 30 days: requests, tokens, cost per currency (exact decimal strings). */
export interface TokenUsageDTO {
  requests: number;
  totalTokens: number;
  cost: Record<string, string>;
}
