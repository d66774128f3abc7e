import { asFlag, defineScript } from './script.js';

// renew — extend a lease that is still alive (a long stream keeps its slot).
//
// KEYS[1] lease zset   ARGV[1] lease id   ARGV[2] lease ms
// returns 1 if renewed, 0 if the lease had expired (its slot may belong to someone else now)
export const RENEW_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local exp = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not exp or tonumber(exp) <= now then return 0 end
local leaseMs = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], 'XX', now + leaseMs, ARGV[1])
redis.call('PEXPIRE', KEYS[1], leaseMs, 'GT')
return 1
`;

export interface RenewInput {
  /** the lease zset: a token's, or an upstream account's */
  key: string;
  leaseId: string;
  leaseMs: number;
}

/** true when renewed, false when the lease had expired. */
export const RENEW = defineScript<RenewInput, boolean>('dspRenewV1', RENEW_LUA, (i) => ({ keys: 1, args: [i.key, i.leaseId, i.leaseMs] }), asFlag);
