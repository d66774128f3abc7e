// One page of users, filtered by a search over id, name and labels, a label, status and deletion,
// with the count over all pages.
import { ServiceError } from '../errors.js';
import { clampLimit } from './audit.js';
import type { ServiceContext } from './context.js';
import type { QuotasService } from './quotas.js';
import { whereEquals } from './sql-where.js';
import { summarize } from './user-summary.js';
import { USER_COLUMNS, rowToUser, validateUserId, type UserRow } from './users-shared.js';
import type { ListUsersOptions, ListUsersResult } from './users-types.js';

function likePattern(s: string): string {
  return '%' + s.replace(/[\\%_]/g, '\\$&') + '%';
}

export async function listUsers(ctx: ServiceContext, quotas: QuotasService, options: ListUsersOptions = {}): Promise<ListUsersResult> {
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
    whereEquals(where, args, 'status', options.status);
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
  const s = await summarize(ctx, quotas, page.rows.map(rowToUser));
  return { ...s, total: Number(count.rows[0]!.n) };
}
