// Spending budgets: a user's daily / monthly budget and the same per token, in [quota]
// budget_currency. Postgres holds them as NUMERIC (exact), the Redis user hash as nanos, where the
// admit script compares them with the spend counters the finish script adds to. null = no budget.
import { decimalToNanos, keys, nanosToDecimal, periodAt } from '@dsp/core';
import { ServiceError } from '../errors.js';
import { withTransaction, type Queryable } from '../pool.js';
import { redisStep, writeUserHash } from '../redis.js';
import { writeAudit } from './audit.js';
import type { ServiceContext } from './context.js';
import {
  NEXT_VERSION,
  USER_COLUMNS,
  amountOrNull,
  loadTokenBudgets,
  loadUserForUpdate,
  rowToUser,
  validateUserId,
  type User,
  type UserRow,
} from './users-shared.js';

/** A change to budgets: a key left out is unchanged; null removes the budget. */
export interface BudgetPatch {
  dailyBudget?: string | null;
  monthlyBudget?: string | null;
}

export const BUDGET_FIELDS = ['dailyBudget', 'monthlyBudget'] as const;
const COLUMNS = { dailyBudget: 'daily_budget', monthlyBudget: 'monthly_budget' } as const;
/** The spend counters are 64-bit integers of nanos: a budget stays well below 2^63 nanos. */
export const MAX_BUDGET = '1000000000';
const AMOUNT_RE = /^\d{1,10}(\.\d{1,9})?$/;

/** A budget as a canonical decimal string; throws invalid_argument naming the key. */
export function validateBudget(key: string, v: unknown): string | null {
  if (v === null) return null;
  const bad = () =>
    new ServiceError(
      'invalid_argument',
      `${key} must be an amount >= 0 and <= ${MAX_BUDGET} with at most 9 decimal places, written as a decimal string (e.g. "5" or "12.50"), or null for no budget; got ${JSON.stringify(v)}`,
    );
  if (typeof v !== 'string' || !AMOUNT_RE.test(v.trim())) throw bad();
  const nanos = decimalToNanos(v.trim());
  if (nanos > decimalToNanos(MAX_BUDGET)) throw bad();
  return nanosToDecimal(nanos);
}

export function validateBudgetPatch(patch: unknown, { requireOne }: { requireOne: boolean }): BudgetPatch {
  if (typeof patch !== 'object' || patch === null) throw new ServiceError('invalid_argument', 'budgets must be an object');
  const out: BudgetPatch = {};
  const problems: string[] = [];
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    if (!(BUDGET_FIELDS as readonly string[]).includes(k)) {
      problems.push(`unknown budget "${k}" (expected ${BUDGET_FIELDS.join(', ')})`);
      continue;
    }
    try {
      out[k as keyof BudgetPatch] = validateBudget(COLUMNS[k as keyof BudgetPatch], v);
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  if (problems.length) throw new ServiceError('invalid_argument', problems.join('; '));
  if (requireOne && Object.keys(out).length === 0) throw new ServiceError('invalid_argument', 'no budget to change was given');
  return out;
}

export interface TokenBudgets {
  tokenId: string;
  userId: string;
  dailyBudget: string | null;
  monthlyBudget: string | null;
}

/** Exact decimal strings in [quota] budget_currency. */
export interface TokenSpend {
  dailySpend: string;
  monthlySpend: string;
}

export interface BudgetsService {
  /** the currency of every budget ([quota] budget_currency) */
  currency(): string;
  /** change a user's budgets (Postgres, audit, then the Redis user hash) */
  setUser(userId: string, patch: BudgetPatch): Promise<User>;
  /** change a token's budgets; the token's user hash is rewritten */
  setToken(tokenId: string, patch: BudgetPatch): Promise<TokenBudgets>;
  getToken(tokenId: string): Promise<TokenBudgets>;
  /**
   * What each of a user's tokens spent this day and month (the live Redis counters `spend:<jti>`
   * the gateway enforces token budgets against), by token id; a token that spent nothing is absent.
   */
  tokenSpend(userId: string): Promise<Record<string, TokenSpend>>;
}

const sets = (p: BudgetPatch, args: unknown[]): string[] => {
  const out: string[] = [];
  for (const f of BUDGET_FIELDS) {
    if (!(f in p)) continue;
    args.push(p[f]);
    out.push(`${COLUMNS[f]} = $${args.length}::numeric`);
  }
  return out;
};

async function tokenBudgets(db: Queryable, tokenId: string, lock = false): Promise<TokenBudgets> {
  const res = await db.query<{ id: string; user_id: string; daily_budget: string | null; monthly_budget: string | null }>(
    `SELECT id, user_id, daily_budget::text, monthly_budget::text FROM tokens WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
    [tokenId],
  );
  const r = res.rows[0];
  if (!r) throw new ServiceError('not_found', `token "${tokenId}" does not exist`);
  return { tokenId: r.id, userId: r.user_id, dailyBudget: amountOrNull(r.daily_budget), monthlyBudget: amountOrNull(r.monthly_budget) };
}

export function createBudgetsService(ctx: ServiceContext): BudgetsService {
  const currency = (): string => ctx.config.quota.budget_currency ?? 'CNY';
  /** Rewrite the user hash from a row and its tokens' budgets read in the same transaction. */
  const toRedis = (what: string, row: UserRow, tb: Awaited<ReturnType<typeof loadTokenBudgets>>) =>
    redisStep(what, () => writeUserHash(ctx.redis, ctx.prefix, { ...rowToUser(row), tokenBudgets: tb }, row.version));

  return {
    currency,
    async setUser(userId, patch) {
      validateUserId(userId);
      const p = validateBudgetPatch(patch, { requireOne: true });
      const { row, tb } = await withTransaction(ctx.pool, async (c) => {
        const before = await loadUserForUpdate(c, userId);
        const args: unknown[] = [userId];
        const s = sets(p, args);
        const res = await c.query<UserRow>(`UPDATE users SET ${s.join(', ')}, updated_at = ${NEXT_VERSION} WHERE id = $1 RETURNING ${USER_COLUMNS}`, args);
        const after = rowToUser(res.rows[0]!);
        const change: Record<string, { from: string | null; to: string | null }> = {};
        for (const f of BUDGET_FIELDS) if (f in p) change[COLUMNS[f]] = { from: before[f], to: after[f] };
        await writeAudit(c, ctx.actor, 'user.budget', userId, { currency: currency(), ...change });
        return { row: res.rows[0]!, tb: await loadTokenBudgets(c, userId) };
      });
      await toRedis(`budget of user "${userId}" saved in Postgres`, row, tb);
      return rowToUser(row);
    },
    async setToken(tokenId, patch) {
      if (typeof tokenId !== 'string' || tokenId === '') throw new ServiceError('invalid_argument', 'a token id is required');
      const p = validateBudgetPatch(patch, { requireOne: true });
      const { row, tb, after } = await withTransaction(ctx.pool, async (c) => {
        const t = await tokenBudgets(c, tokenId);
        // the user row first (as every user-hash writer does), then the token: one lock order
        await loadUserForUpdate(c, t.userId);
        const before = await tokenBudgets(c, tokenId, true);
        const args: unknown[] = [tokenId];
        await c.query(`UPDATE tokens SET ${sets(p, args).join(', ')} WHERE id = $1`, args);
        const after = await tokenBudgets(c, tokenId);
        // the user hash carries the token budgets: its version moves so an older write cannot undo this
        const res = await c.query<UserRow>(`UPDATE users SET updated_at = ${NEXT_VERSION} WHERE id = $1 RETURNING ${USER_COLUMNS}`, [t.userId]);
        const change: Record<string, { from: string | null; to: string | null }> = {};
        for (const f of BUDGET_FIELDS) if (f in p) change[COLUMNS[f]] = { from: before[f], to: after[f] };
        await writeAudit(c, ctx.actor, 'token.budget', tokenId, { user: t.userId, currency: currency(), ...change });
        return { row: res.rows[0]!, tb: await loadTokenBudgets(c, t.userId), after };
      });
      await toRedis(`budget of token "${tokenId}" saved in Postgres`, row, tb);
      return after;
    },
    getToken: (tokenId) => tokenBudgets(ctx.pool, tokenId),
    async tokenSpend(userId) {
      validateUserId(userId);
      const p = periodAt(ctx.config.quota.timezone, ctx.now());
      const [d, m] = await Promise.all([ctx.redis.hgetall(keys.day(ctx.prefix, userId, p.day)), ctx.redis.hgetall(keys.month(ctx.prefix, userId, p.month))]);
      const out: Record<string, TokenSpend> = {};
      for (const f of new Set([...Object.keys(d), ...Object.keys(m)])) {
        if (f.startsWith('spend:'))
          out[f.slice('spend:'.length)] = { dailySpend: nanosToDecimal(BigInt(d[f] ?? '0')), monthlySpend: nanosToDecimal(BigInt(m[f] ?? '0')) };
      }
      return out;
    },
  };
}
