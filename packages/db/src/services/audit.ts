// The audit log: one row per mutation, written in the mutation's own transaction.
import type { Queryable } from '../pool.js';
import { ServiceError } from '../errors.js';
import type { ServiceContext } from './context.js';

export interface AuditEntry {
  id: number;
  at: Date;
  actor: string;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
}

export interface AuditListOptions {
  /** default 50, at most 1000 */
  limit?: number;
  /** only entries with an id below this (the previous page's `nextBefore`) */
  before?: number;
  actor?: string;
  action?: string;
  target?: string;
}

export interface AuditService {
  /** one entry as this services' actor, outside any mutation (e.g. each admin API call) */
  record(action: string, target: string | null, details?: Record<string, unknown>): Promise<void>;
  list(options?: AuditListOptions): Promise<{ rows: AuditEntry[]; nextBefore: number | null }>;
  /** an event that is not a mutation of its own (a failed sign-in, a sign-in block), by this actor */
  record(action: string, target: string | null, details?: Record<string, unknown>): Promise<void>;
}

export async function writeAudit(db: Queryable, actor: string, action: string, target: string | null, details: Record<string, unknown> = {}): Promise<void> {
  await db.query('INSERT INTO audit_log (actor, action, target, details) VALUES ($1, $2, $3, $4)', [actor, action, target, JSON.stringify(details)]);
}

export function clampLimit(limit: number | undefined, dflt: number, max: number): number {
  if (limit === undefined) return dflt;
  if (!Number.isInteger(limit) || limit < 1) throw new ServiceError('invalid_argument', `limit must be a positive integer, got ${String(limit)}`);
  return Math.min(limit, max);
}

export function createAuditService(ctx: ServiceContext): AuditService {
  return {
    record: (action, target, details = {}) => writeAudit(ctx.pool, ctx.actor, action, target, details),

    async list(options = {}) {
      const limit = clampLimit(options.limit, 50, 1000);
      const where: string[] = [];
      const args: unknown[] = [];
      if (options.before !== undefined) {
        if (!Number.isInteger(options.before)) throw new ServiceError('invalid_argument', 'before must be an audit entry id');
        args.push(options.before);
        where.push(`id < $${args.length}`);
      }
      for (const col of ['actor', 'action', 'target'] as const) {
        const v = options[col];
        if (v !== undefined) {
          args.push(v);
          where.push(`${col} = $${args.length}`);
        }
      }
      args.push(limit);
      const res = await ctx.pool.query<{ id: string; at: Date; actor: string; action: string; target: string | null; details: Record<string, unknown> }>(
        `SELECT id, at, actor, action, target, details FROM audit_log
         ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
         ORDER BY id DESC LIMIT $${args.length}`,
        args,
      );
      const rows = res.rows.map((r) => ({ ...r, id: Number(r.id) }));
      return { rows, nextBefore: rows.length === limit ? rows[rows.length - 1]!.id : null };
    },
  };
}
