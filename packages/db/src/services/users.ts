// Gateway users: Postgres row + audit in one transaction, then the Redis user hash.
import { nanosToDecimal, periodAt } from '@dsp/core';
import { PG_UNIQUE_VIOLATION, ServiceError, pgCode } from '../errors.js';
import { withTransaction } from '../pool.js';
import { addRevoked, readCounters, redisReason, redisStep, writeUserHash } from '../redis.js';
import { clampLimit, writeAudit } from './audit.js';
import type { ServiceContext } from './context.js';
import { QUOTA_COLUMNS, QUOTA_FIELDS, limitToStored, validateQuotaPatch, type EffectiveLimits, type QuotaPatch, type QuotasService } from './quotas.js';
import {
  NEXT_VERSION,
  USER_COLUMNS,
  loadTokenBudgets,
  loadUser,
  loadUserRow,
  rowToUser,
  userNotFound,
  validateUserId,
  type User,
  type UserRow,
  type UserStatus,
} from './users-shared.js';

export { validateUserId, type User, type UserStatus } from './users-shared.js';

/** This period's counters from Redis (what the gateway enforces against). */
export interface UserUsage {
  /** YYYYMMDD / YYYYMM in the quota timezone */
  day: string;
  month: string;
  dailyRequests: number;
  dailyTokens: number;
  monthlyRequests: number;
  monthlyTokens: number;
  /** what the user spent, in [quota] budget_currency (exact decimal strings) */
  dailySpend: string;
  monthlySpend: string;
}

export interface UserSummary extends User {
  /** limits in force */
  limits: EffectiveLimits;
  /** null when Redis could not be read */
  usage: UserUsage | null;
}

export interface CreateUserInput {
  id: string;
  name?: string | null;
  quotas?: QuotaPatch;
}

export interface ListUsersOptions {
  /** case-insensitive substring of the id, the name or a label */
  search?: string;
  /** only users with this label (exact) */
  label?: string;
  /** deleted users: left out (default), listed with the others, or alone */
  deleted?: 'exclude' | 'include' | 'only';
  status?: UserStatus;
  /** default 0 */
  offset?: number;
  /** only users whose id sorts after this one (keyset pagination: the last id of the previous page) */
  after?: string;
  /** default 50, at most 1000 */
  limit?: number;
}

export interface ListUsersResult {
  rows: UserSummary[];
  /** users matching the filter, over all pages */
  total: number;
  /** set when the Redis counters could not be read (rows then have usage: null) */
  usageError?: string;
}

export interface UsersService {
  create(input: CreateUserInput): Promise<User>;
  list(options?: ListUsersOptions): Promise<ListUsersResult>;
  get(id: string): Promise<UserSummary>;
  disable(id: string): Promise<User>;
  enable(id: string): Promise<User>;
  /** same as quotas.set */
  setQuota(id: string, patch: QuotaPatch): Promise<User>;
  /** the operators' name, notes and labels of a user; fields left out stay */
  update(id: string, patch: UserProfilePatch): Promise<User>;
  /** soft delete: disabled, every live token revoked, out of the lists; the ledger keeps its rows */
  delete(id: string): Promise<User>;
  /** undoes a delete; the user stays disabled and its tokens revoked until an operator decides */
  restore(id: string): Promise<User>;
}

export interface UserProfilePatch {
  name?: string | null;
  notes?: string | null;
  labels?: readonly string[] | null;
}

export const MAX_NOTES = 2000;
export const MAX_LABELS = 20;
const LABEL = /^[a-z0-9][a-z0-9._:-]{0,31}$/;

function validateNotes(notes: unknown): string {
  if (notes === undefined || notes === null) return '';
  if (typeof notes !== 'string') throw new ServiceError('invalid_argument', 'notes must be a string');
  if (notes.length > MAX_NOTES) throw new ServiceError('invalid_argument', `notes must be at most ${MAX_NOTES} characters`);
  return notes.trim();
}

/** Labels: lower-case, 1-32 of a-z 0-9 . _ : - (starting with a letter or digit), at most 20, sorted, no repeats. */
export function validateLabels(labels: unknown): string[] {
  if (labels === undefined || labels === null) return [];
  if (!Array.isArray(labels)) throw new ServiceError('invalid_argument', 'labels must be a list');
  const out = [...new Set(labels.map((l) => (typeof l === 'string' ? l.trim().toLowerCase() : '')))].filter((l) => l !== '');
  for (const l of out)
    if (!LABEL.test(l))
      throw new ServiceError('invalid_argument', `invalid label ${JSON.stringify(l)}: 1-32 characters of a-z 0-9 . _ : - starting with a letter or digit`);
  if (out.length > MAX_LABELS) throw new ServiceError('invalid_argument', `at most ${MAX_LABELS} labels per user`);
  return out.sort();
}

export const MAX_USER_NAME = 200;

function validateName(name: unknown): string | null {
  if (name === undefined || name === null) return null;
  if (typeof name !== 'string') throw new ServiceError('invalid_argument', 'name must be a string');
  const t = name.trim();
  if (t.length > MAX_USER_NAME) throw new ServiceError('invalid_argument', `name must be at most ${MAX_USER_NAME} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(t)) throw new ServiceError('invalid_argument', 'name must not contain control characters');
  return t === '' ? null : t;
}

function likePattern(s: string): string {
  return '%' + s.replace(/[\\%_]/g, '\\$&') + '%';
}

export function createUsersService(ctx: ServiceContext, quotas: QuotasService): UsersService {
  async function summarize(users: User[]): Promise<{ rows: UserSummary[]; usageError?: string }> {
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

  async function setStatus(id: string, status: UserStatus): Promise<User> {
    validateUserId(id);
    const { row, tokenBudgets } = await withTransaction(ctx.pool, async (c) => {
      const prev = await c.query<{ status: UserStatus; deleted_at: Date | null }>('SELECT status, deleted_at FROM users WHERE id = $1 FOR UPDATE', [id]);
      if (!prev.rows[0]) throw userNotFound(id);
      if (status === 'active' && prev.rows[0].deleted_at)
        throw new ServiceError('conflict', `user "${id}" is deleted; restore it first (dsp user restore ${id})`);
      if (prev.rows[0].status === status) return { row: await loadUserRow(c, id), tokenBudgets: await loadTokenBudgets(c, id) };
      const res = await c.query<UserRow>(`UPDATE users SET status = $2, updated_at = ${NEXT_VERSION} WHERE id = $1 RETURNING ${USER_COLUMNS}`, [id, status]);
      await writeAudit(c, ctx.actor, status === 'disabled' ? 'user.disable' : 'user.enable', id, {});
      return { row: res.rows[0]!, tokenBudgets: await loadTokenBudgets(c, id) };
    });
    // written even when Postgres already had this status: it repairs a Redis that drifted
    await redisStep(`user "${id}" is ${status} in Postgres`, () => writeUserHash(ctx.redis, ctx.prefix, { ...rowToUser(row), tokenBudgets }, row.version));
    return rowToUser(row);
  }

  return {
    async create(input) {
      if (typeof input !== 'object' || input === null) throw new ServiceError('invalid_argument', 'user must be an object');
      const id = validateUserId(input.id);
      const name = validateName(input.name);
      const q = validateQuotaPatch(input.quotas ?? {}, { requireOne: false });
      const row = await withTransaction(ctx.pool, async (c) => {
        const cols = ['id', 'name'];
        const args: unknown[] = [id, name];
        for (const f of QUOTA_FIELDS) {
          if (q[f] === undefined) continue;
          cols.push(QUOTA_COLUMNS[f]);
          args.push(limitToStored(q[f]!));
        }
        let res;
        try {
          res = await c.query<UserRow>(
            `INSERT INTO users (${cols.join(', ')}, created_at, updated_at)
             VALUES (${args.map((_, i) => `$${i + 1}`).join(', ')}, clock_timestamp(), clock_timestamp()) RETURNING ${USER_COLUMNS}`,
            args,
          );
        } catch (e) {
          if (pgCode(e) === PG_UNIQUE_VIOLATION) {
            const gone = await ctx.pool.query('SELECT 1 FROM users WHERE id = $1 AND deleted_at IS NOT NULL', [id]);
            throw new ServiceError(
              'duplicate',
              gone.rows[0] ? `user "${id}" exists and is deleted; restore it (dsp user restore ${id})` : `user "${id}" already exists`,
            );
          }
          throw e;
        }
        const u = rowToUser(res.rows[0]!);
        await writeAudit(c, ctx.actor, 'user.create', id, {
          name,
          daily_requests: u.dailyRequests,
          daily_tokens: u.dailyTokens,
          monthly_tokens: u.monthlyTokens,
        });
        return res.rows[0]!;
      });
      const user = rowToUser(row);
      // a new user has no tokens, hence no token budgets
      await redisStep(`user "${id}" was created in Postgres`, () => writeUserHash(ctx.redis, ctx.prefix, { ...user, tokenBudgets: [] }, row.version));
      return user;
    },

    async list(options = {}) {
      const limit = clampLimit(options.limit, 50, 1000);
      const offset = options.offset ?? 0;
      if (!Number.isInteger(offset) || offset < 0) throw new ServiceError('invalid_argument', 'offset must be an integer >= 0');
      const where: string[] = [];
      const args: unknown[] = [];
      if (options.search !== undefined && options.search.trim() !== '') {
        args.push(likePattern(options.search.trim()));
        where.push(`(id ILIKE $${args.length} OR name ILIKE $${args.length} OR EXISTS (SELECT 1 FROM unnest(labels) l WHERE l ILIKE $${args.length}))`);
      }
      if (options.label !== undefined && options.label.trim() !== '') {
        args.push(options.label.trim().toLowerCase());
        where.push(`labels @> ARRAY[$${args.length}]::text[]`);
      }
      const deleted = options.deleted ?? 'exclude';
      if (deleted === 'exclude') where.push('deleted_at IS NULL');
      else if (deleted === 'only') where.push('deleted_at IS NOT NULL');
      else if (deleted !== 'include') throw new ServiceError('invalid_argument', 'deleted must be exclude, include or only');
      if (options.after !== undefined) {
        args.push(validateUserId(options.after));
        where.push(`id > $${args.length}`);
      }
      if (options.status !== undefined) {
        if (options.status !== 'active' && options.status !== 'disabled') throw new ServiceError('invalid_argument', 'status must be active or disabled');
        args.push(options.status);
        where.push(`status = $${args.length}`);
      }
      const w = where.length ? 'WHERE ' + where.join(' AND ') : '';
      const [page, count] = await Promise.all([
        ctx.pool.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users ${w} ORDER BY id LIMIT $${args.length + 1} OFFSET $${args.length + 2}`, [
          ...args,
          limit,
          offset,
        ]),
        ctx.pool.query<{ n: string }>(`SELECT count(*) AS n FROM users ${w}`, args),
      ]);
      const s = await summarize(page.rows.map(rowToUser));
      return { ...s, total: Number(count.rows[0]!.n) };
    },

    async get(id) {
      validateUserId(id);
      const u = await loadUser(ctx.pool, id);
      return (await summarize([u])).rows[0]!;
    },

    disable: (id) => setStatus(id, 'disabled'),
    enable: (id) => setStatus(id, 'active'),

    async update(id, patch) {
      validateUserId(id);
      if (typeof patch !== 'object' || patch === null) throw new ServiceError('invalid_argument', 'the change must be an object');
      const sets: string[] = [];
      const args: unknown[] = [id];
      const details: Record<string, unknown> = {};
      const set = (column: string, value: unknown) => {
        args.push(value);
        sets.push(`${column} = $${args.length}`);
        details[column] = value;
      };
      if (patch.name !== undefined) set('name', validateName(patch.name));
      if (patch.notes !== undefined) set('notes', validateNotes(patch.notes));
      if (patch.labels !== undefined) set('labels', validateLabels(patch.labels));
      if (sets.length === 0) throw new ServiceError('invalid_argument', 'nothing to change: give a name, notes or labels');
      const row = await withTransaction(ctx.pool, async (c) => {
        const res = await c.query<UserRow>(`UPDATE users SET ${sets.join(', ')}, updated_at = ${NEXT_VERSION} WHERE id = $1 RETURNING ${USER_COLUMNS}`, args);
        if (!res.rows[0]) throw userNotFound(id);
        await writeAudit(c, ctx.actor, 'user.update', id, details);
        return res.rows[0];
      });
      return rowToUser(row);
    },

    async delete(id) {
      validateUserId(id);
      const out = await withTransaction(ctx.pool, async (c) => {
        const cur = await c.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1 FOR UPDATE`, [id]);
        if (!cur.rows[0]) throw userNotFound(id);
        if (cur.rows[0].deleted_at) return { row: cur.rows[0], revoked: [] as string[] };
        const res = await c.query<UserRow>(
          `UPDATE users SET deleted_at = now(), status = 'disabled', updated_at = ${NEXT_VERSION} WHERE id = $1 RETURNING ${USER_COLUMNS}`,
          [id],
        );
        const tokens = await c.query<{ id: string }>('UPDATE tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL RETURNING id', [id]);
        const revoked = tokens.rows.map((t) => t.id);
        await writeAudit(c, ctx.actor, 'user.delete', id, { tokens_revoked: revoked });
        return { row: res.rows[0]!, revoked };
      });
      await redisStep(`user "${id}" is deleted in Postgres`, async () => {
        // every token is revoked: no token budget is left to enforce
        await writeUserHash(ctx.redis, ctx.prefix, { ...rowToUser(out.row), tokenBudgets: [] }, out.row.version);
        for (const jti of out.revoked) await addRevoked(ctx.redis, ctx.prefix, id, jti);
      });
      return rowToUser(out.row);
    },

    async restore(id) {
      validateUserId(id);
      const row = await withTransaction(ctx.pool, async (c) => {
        const res = await c.query<UserRow>(
          `UPDATE users SET deleted_at = NULL, updated_at = ${NEXT_VERSION} WHERE id = $1 AND deleted_at IS NOT NULL RETURNING ${USER_COLUMNS}`,
          [id],
        );
        if (!res.rows[0]) {
          await loadUserRow(c, id); // not_found when there is no such user
          throw new ServiceError('conflict', `user "${id}" is not deleted`);
        }
        await writeAudit(c, ctx.actor, 'user.restore', id, {});
        return res.rows[0];
      });
      return rowToUser(row);
    },
    setQuota: (id, patch) => {
      validateUserId(id);
      return quotas.set(id, patch);
    },
  };
}
