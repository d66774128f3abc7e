// What admission and the routes that take no slot (the model list) decide alike: a revoked token,
// a disabled or unknown user, and what to do when Redis cannot be asked.
import { ACCESS, GatewayError, keys } from '@dsp/core';
import type { Deps } from '../deps.js';
import type { Identity } from './types.js';

export type AccessServices = Pick<Deps, 'config' | 'scripts' | 'redis' | 'log'>;

/** The token may be used now (the model list's check); throws the refusal. */
export async function checkAccess(identity: Identity, deps: AccessServices): Promise<void> {
  let access;
  try {
    access = await unknownRefusedOnlyWhenSynced(
      (refuseUnknown) => deps.scripts.run(ACCESS, { userKey: identity.keyUser, revokedKey: identity.keyRevoked, jti: identity.jti, refuseUnknown }),
      deps,
    );
  } catch (e) {
    const refusal = redisTrouble(e, identity, deps);
    if (refusal) throw refusal;
    return;
  }
  if (!access.ok) throw accessRefused(access.reason, identity);
}

/**
 * Runs a check refusing unknown users ([auth] unknown_users = "reject"); when it says "unknown"
 * but the sync marker is missing, Redis lost its state and the primary is rebuilding it: the user
 * may well exist, so the check runs again without refusing unknown users.
 */
export async function unknownRefusedOnlyWhenSynced<R extends { ok: boolean; reason?: string }>(
  run: (refuseUnknown: boolean) => Promise<R>,
  deps: Pick<Deps, 'config' | 'redis'>,
): Promise<R> {
  if (deps.config.auth.unknown_users !== 'reject') return run(false);
  const first = await run(true);
  if (first.ok || first.reason !== 'unknown_user' || (await stateIsSynced(deps))) return first;
  return run(false);
}

/** The sync marker is present: Redis holds every known user's hash (a missing hash means unknown). */
async function stateIsSynced(deps: Pick<Deps, 'config' | 'redis'>): Promise<boolean> {
  return (await deps.redis.exists(keys.syncMarker(deps.config.redis.key_prefix))) === 1;
}

export function accessRefused(reason: 'revoked' | 'disabled' | 'unknown_user', identity: Identity): GatewayError {
  switch (reason) {
    case 'revoked':
      return new GatewayError('invalid_token', 'invalid token: revoked');
    case 'disabled':
      return new GatewayError('user_disabled', 'this user is disabled');
    case 'unknown_user':
      return new GatewayError(
        'unknown_user',
        `user ${JSON.stringify(identity.sub)} does not exist on this gateway (the token is validly signed, but no such user was created)`,
      );
  }
}

/**
 * Redis could not be asked: null to serve anyway ([limits] on_redis_error = "allow", logged), else
 * the 503 to answer. A GatewayError is a decision already and is returned as is.
 */
export function redisTrouble(e: unknown, identity: Identity, deps: Pick<Deps, 'config' | 'log'>): GatewayError | null {
  if (e instanceof GatewayError) return e;
  if (deps.config.limits.on_redis_error === 'allow') {
    deps.log.warn({ err: (e as Error).message, user: identity.sub }, 'redis unavailable: admitting without lock or quota (on_redis_error = "allow")');
    return null;
  }
  deps.log.warn({ err: (e as Error).message }, 'redis unavailable: refusing request');
  return new GatewayError('service_unavailable', 'the gateway cannot reach its state store; try again shortly', { 'retry-after': '1' });
}
