// The user row and its mapping, shared by the users and quotas services.
import { ID_PATTERN, decimalToNanos, nanosToDecimal } from '@dsp/core';
import { ServiceError } from '../errors.js';
import type { Queryable } from '../pool.js';
import { toNumOrNull } from './context.js';
import { limitFromStored, type Limit } from './limits.js';

export type UserStatus = 'active' | 'disabled';

export interface User {
  id: string;
  name: string | null;
  status: UserStatus;
  /** explicit limits; null = the config default */
  dailyRequests: Limit | null;
  dailyTokens: Limit | null;
  monthlyTokens: Limit | null;
  /** the operators' notes ('' = none) */
  notes: string;
  /** the operators' labels, sorted */
  labels: string[];
  /** soft-deleted: disabled, its tokens revoked, out of the lists; the ledger keeps its rows */
  deletedAt: Date | null;
  /** spending budgets in [quota] budget_currency, exact decimal strings; null = no budget */
  dailyBudget: string | null;
  monthlyBudget: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Columns of a user row plus its version: updated_at in µs since the epoch. Every update moves
 * updated_at strictly forward (NEXT_VERSION), so Redis can refuse a write older than what it has.
 */
export const USER_COLUMNS = `*, (extract(epoch FROM updated_at) * 1000000)::bigint::text AS version`;
/** The new updated_at of an update: the wall clock, but always after the previous value. */
export const NEXT_VERSION = `greatest(clock_timestamp(), updated_at + interval '1 microsecond')`;

export interface UserRow {
  id: string;
  name: string | null;
  status: UserStatus;
  daily_requests: string | null;
  daily_tokens: string | null;
  monthly_tokens: string | null;
  notes?: string;
  labels?: string[];
  deleted_at?: Date | null;
  daily_budget: string | null;
  monthly_budget: string | null;
  created_at: Date;
  updated_at: Date;
  version: string;
}

export function rowToUser(r: UserRow): User {
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    dailyRequests: limitFromStored(toNumOrNull(r.daily_requests)),
    dailyTokens: limitFromStored(toNumOrNull(r.daily_tokens)),
    monthlyTokens: limitFromStored(toNumOrNull(r.monthly_tokens)),
    notes: r.notes ?? '',
    labels: r.labels ?? [],
    deletedAt: r.deleted_at ?? null,
    dailyBudget: amountOrNull(r.daily_budget),
    monthlyBudget: amountOrNull(r.monthly_budget),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function userNotFound(id: string): ServiceError {
  return new ServiceError('not_found', `user "${id}" does not exist`);
}

export async function loadUser(db: Queryable, id: string): Promise<User> {
  return rowToUser(await loadUserRow(db, id));
}

export async function loadUserRow(db: Queryable, id: string): Promise<UserRow> {
  const res = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id]);
  if (!res.rows[0]) throw userNotFound(id);
  return res.rows[0];
}

export async function loadUserForUpdate(db: Queryable, id: string): Promise<User> {
  const res = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1 FOR UPDATE`, [id]);
  if (!res.rows[0]) throw userNotFound(id);
  return rowToUser(res.rows[0]);
}

export function validateUserId(id: unknown): string {
  if (typeof id !== 'string' || !ID_PATTERN.test(id))
    throw new ServiceError('invalid_argument', `invalid user id ${JSON.stringify(id)}: use 1-128 characters of A-Z a-z 0-9 . _ @ : -`);
  return id;
}

/** A NUMERIC from Postgres ("5.000000000") as a canonical decimal string ("5"); null stays null. */
export function amountOrNull(v: string | null | undefined): string | null {
  return v == null ? null : nanosToDecimal(decimalToNanos(v));
}

/** A live token's own budgets (only tokens that have one). */
export interface TokenBudget {
  jti: string;
  daily: string | null;
  monthly: string | null;
}

/** The budgets of a user's unrevoked tokens: they live in the user hash beside the user's own. */
export async function loadTokenBudgets(db: Queryable, userId: string): Promise<TokenBudget[]> {
  const res = await db.query<{ id: string; daily_budget: string | null; monthly_budget: string | null }>(
    `SELECT id, daily_budget::text, monthly_budget::text FROM tokens
     WHERE user_id = $1 AND revoked_at IS NULL AND (daily_budget IS NOT NULL OR monthly_budget IS NOT NULL) ORDER BY id`,
    [userId],
  );
  return res.rows.map((r) => ({ jti: r.id, daily: amountOrNull(r.daily_budget), monthly: amountOrNull(r.monthly_budget) }));
}
