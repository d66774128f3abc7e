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

// renew many — a batch of leases in one call: a worker holding thousands of streams renews them in
// a few calls instead of one each (each call costs Redis its own parsing, script set-up and TIME).
// The token lease zsets come first and get their TTL extended; the account slot zsets, which have
// no TTL, after them. Single Redis only: a batch's keys live in many hash slots.
// Unlike RENEW it does not read the old expiry: `ZADD XX` renews a lease that is still in its zset,
// and one that expired but was not swept is still counted against the cap (slots are counted with
// ZCARD and swept lazily), so renewing it takes no slot from anyone; a swept one stays gone.
//
// KEYS[i] lease zset of lease i   ARGV[1] lease ms   ARGV[2] t, how many of KEYS are token zsets
// ARGV[2 + i] lease id i
// returns how many were renewed (the others were swept: their slots may belong to someone else now)
export const RENEW_MANY_LUA = `
local t = redis.call('TIME')
local untilMs = string.format('%d', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1]))
local tokens = tonumber(ARGV[2])
local renewed = 0
for i = 1, #KEYS do
  if redis.call('ZADD', KEYS[i], 'XX', 'CH', untilMs, ARGV[i + 2]) == 1 then
    if i <= tokens then redis.call('PEXPIRE', KEYS[i], ARGV[1], 'GT') end
    renewed = renewed + 1
  end
end
return renewed
`;

export interface RenewManyInput {
  /** token lease zsets (a key may repeat: a token with several streams), then account slot zsets */
  keys: readonly string[];
  /** how many of `keys` are token lease zsets (their TTL is extended too) */
  tokenKeys: number;
  /** the lease ids, in the order of `keys` */
  leaseIds: readonly string[];
  leaseMs: number;
}

/** How many of the leases were renewed. */
export const RENEW_MANY = defineScript<RenewManyInput, number>(
  'dspRenewManyV2',
  RENEW_MANY_LUA,
  (i) => ({ keys: i.keys.length, args: [...i.keys, i.leaseMs, i.tokenKeys, ...i.leaseIds] }),
  (reply) => Number(reply),
);
