// authenticate: the client's JWT (from the route format's credential) → identity. Signature, pinned algorithm, iss, aud and exp are checked by
// jose; the result is cached until exp. Revocation is not decided here but in admit.
import { GatewayError, keys, readClaims, upstreamUserId, verifyJwt } from '@dsp/core';
import type { Deps } from '../deps.js';
import type { Identity } from './types.js';

/** What authenticating uses of the worker's services. */
export type AuthServices = Pick<Deps, 'config' | 'verifyKeys' | 'tokenCache'>;

const MAX_TOKEN_LENGTH = 8192;

function invalid(message: string): GatewayError {
  return new GatewayError('invalid_token', message);
}

export function bearerToken(authorization: string): string {
  if (authorization === '') throw invalid('missing Authorization: Bearer <token>');
  if (authorization.length < 8 || authorization.slice(0, 7).toLowerCase() !== 'bearer ') throw invalid('Authorization must be "Bearer <token>"');
  return plainToken(authorization.slice(7));
}

/** A token sent as is (e.g. Anthropic's `x-api-key`), bounded like a Bearer one. */
export function plainToken(value: string): string {
  const token = value.trim();
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw invalid('malformed token');
  return token;
}

/** Returns the identity synchronously on a cache hit, else a promise. */
export function authenticate(token: string, deps: AuthServices): Identity | Promise<Identity> {
  const now = Date.now();
  const cached = deps.tokenCache.get(token, now);
  if (cached) return cached;
  return verify(token, deps);
}

async function verify(token: string, deps: AuthServices): Promise<Identity> {
  const { config } = deps;
  let payload;
  try {
    payload = await verifyJwt(token, deps.verifyKeys, config.auth);
  } catch (e) {
    throw invalid(`invalid token: ${jwtReason(e)}`);
  }
  const claims = readClaims(payload);
  if (typeof claims === 'string') throw invalid(`invalid token: ${claims}`);
  const p = config.redis.key_prefix;
  const identity: Identity = {
    sub: claims.sub,
    jti: claims.jti,
    concurrency: claims.concurrency ?? config.limits.token_concurrency,
    models: claims.models ? new Set(claims.models) : null,
    upstreamUserId: upstreamUserId(config.auth.issuer, claims.sub),
    keyUser: keys.user(p, claims.sub),
    keyRevoked: keys.revoked(p, claims.sub),
    keyLeases: keys.leases(p, claims.sub, claims.jti),
  };
  deps.tokenCache.set(token, identity, claims.exp === null ? Infinity : claims.exp * 1000);
  return identity;
}

/** A short reason for the client, from jose's stable error codes; never echoes the token. */
function jwtReason(e: unknown): string {
  const code = (e as { code?: string }).code;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return `claim check failed (${(e as { claim?: string }).claim ?? 'claim'})`;
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'bad signature';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'algorithm not allowed';
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
      return 'malformed';
    default:
      return e instanceof Error && !code ? e.message.slice(0, 100) : 'rejected';
  }
}
