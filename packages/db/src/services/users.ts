// Gateway users: Postgres row + audit in one transaction, then the Redis user hash.
import { PG_UNIQUE_VIOLATION, ServiceError, pgCode } from '../errors.js';
import { withTransaction } from '../pool.js';
import { addRevoked, redisStep, writeUserHash } from '../redis.js';
import { writeAudit } from './audit.js';
import type { ServiceContext } from './context.js';
import { QUOTA_COLUMNS, QUOTA_FIELDS, limitToStored, validateQuotaPatch, type QuotasService } from './quotas.js';
import { listUsers } from './user-list.js';
import { validateLabels, validateName, validateNotes } from './user-profile.js';
import { summarize } from './user-summary.js';
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
import type { UsersService } from './users-types.js';

export function createUsersService(ctx: ServiceContext, quotas: QuotasService): UsersService {
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

    list: (options) => listUsers(ctx, quotas, options),

    async get(id) {
      validateUserId(id);
      const u = await loadUser(ctx.pool, id);
      return (await summarize(ctx, quotas, [u])).rows[0]!;
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
