// Idempotency keys for creates: the first request with a key runs and records what it made; a
// retry with the same key and the same request gets that resource again; the same key with a
// different request, or while the first is still running, is a conflict. Keys live 24 hours.
import { createHash } from 'node:crypto';
import { ServiceError } from '../errors.js';
import type { ServiceContext } from './context.js';

export interface IdempotencyScope {
  /** who is calling (an API key id): keys of different callers never meet */
  principal: string;
  /** the caller's Idempotency-Key */
  key: string;
  /** what the request was: method, path and body; compared on a retry */
  request: string;
}

export interface IdempotencyService {
  once<T>(
    scope: IdempotencyScope,
    create: () => Promise<{ resource: string; value: T }>,
    replay: (resource: string) => Promise<T>,
  ): Promise<{ value: T; replayed: boolean }>;
}

export const IDEMPOTENCY_TTL_HOURS = 24;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export function createIdempotencyService(ctx: ServiceContext): IdempotencyService {
  return {
    async once(scope, create, replay) {
      if (!KEY_PATTERN.test(scope.key))
        throw new ServiceError('invalid_argument', 'Idempotency-Key must be 1-255 printable ASCII characters without spaces', {
          reason: 'invalid_idempotency_key',
        });
      const fingerprint = createHash('sha256').update(scope.request).digest('hex');
      await ctx.pool.query(`DELETE FROM api_idempotency WHERE created_at < now() - interval '${IDEMPOTENCY_TTL_HOURS} hours'`);
      const claimed = await ctx.pool.query('INSERT INTO api_idempotency (principal, key, fingerprint) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1', [
        scope.principal,
        scope.key,
        fingerprint,
      ]);
      if (claimed.rowCount === 1) {
        try {
          const made = await create();
          await ctx.pool.query('UPDATE api_idempotency SET resource = $3 WHERE principal = $1 AND key = $2', [scope.principal, scope.key, made.resource]);
          return { value: made.value, replayed: false };
        } catch (e) {
          // nothing was made: the key is free for a retry
          await ctx.pool.query('DELETE FROM api_idempotency WHERE principal = $1 AND key = $2', [scope.principal, scope.key]).catch(() => {});
          throw e;
        }
      }
      const seen = await ctx.pool.query<{ fingerprint: string; resource: string | null }>(
        'SELECT fingerprint, resource FROM api_idempotency WHERE principal = $1 AND key = $2',
        [scope.principal, scope.key],
      );
      const row = seen.rows[0];
      if (!row) return this.once(scope, create, replay); // expired between the two statements
      if (row.fingerprint !== fingerprint)
        throw new ServiceError('conflict', `Idempotency-Key "${scope.key}" was already used with a different request`, { reason: 'idempotency_key_reused' });
      if (row.resource === null)
        throw new ServiceError('conflict', `a request with Idempotency-Key "${scope.key}" is still running; retry later`, {
          reason: 'idempotency_in_progress',
        });
      return { value: await replay(row.resource), replayed: true };
    },
  };
}
