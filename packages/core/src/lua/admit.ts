import { ACCOUNT_PICK_LUA, type PickInputs, type SoloInputs } from './account.js';
import { defineScript, type CallArg } from './script.js';

// admit — one round trip that decides whether a request may start.
//
// KEYS[1] user hash      {u}:user      status, daily_requests, daily_tokens, monthly_tokens
//                                      (a user's own limit: -1 unlimited, 0 blocks, N the limit);
//                                      budgets daily_budget, monthly_budget and per token
//                                      daily_budget:<jti>, monthly_budget:<jti> (nanos of [quota]
//                                      budget_currency; no field = no budget, 0 blocks)
// KEYS[2] revoked set    {u}:revoked   revoked token ids
// KEYS[3] lease zset     {u}:lease:jti member = lease id, score = expiry (ms, Redis clock)
// KEYS[4] day counters   {u}:d:<day>   req, tok, spend, spend:<jti> (spend: nanos, see finish.ts)
// KEYS[5] month counters {u}:m:<month> req, tok, spend, spend:<jti>
// ARGV[1] jti  ARGV[2] lease id  ARGV[3] concurrency  ARGV[4] lease ms
// ARGV[5..7] default daily requests, daily tokens, monthly tokens ([quota] defaults: 0 = no limit)
// ARGV[8] day ttl s  ARGV[9] month ttl s
// ARGV[10] "1": refuse a user without a user hash (unknown to Postgres; [auth] unknown_users)
// KEYS[6..] and the last ARGVs (optional): the upstream accounts, one (the worker's guess) or all
//         (see ACCOUNT_PICK_LUA)
// returns {1, usage ppm, in flight[, account, used]} admitted (the request is counted, a lease is
//         held; with accounts: the picked candidate, 1-based, and its slots in use, this one's
//         included, 0 when uncapped)
//         {-1} revoked  {-2} disabled  {-3,used,limit} daily requests  {-4,used,limit} daily tokens
//         {-5,used,limit} monthly tokens  {-6,in flight} concurrency
//         {-7,full,disabled} no upstream account could be taken (nothing was counted or held)
//         {-8} unknown user (only when ARGV[10] is "1")
//         {-9,which,spent,budget} a budget is spent (spent >= budget): which = 1 user daily,
//         2 user monthly, 3 token daily, 4 token monthly; spent and budget are nanos as strings
export const ADMIT_LUA = `${ACCOUNT_PICK_LUA}
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then return {-1} end
local u = redis.call('HMGET', KEYS[1], 'status', 'daily_requests', 'daily_tokens', 'monthly_tokens',
  'daily_budget', 'monthly_budget', 'daily_budget:' .. ARGV[1], 'monthly_budget:' .. ARGV[1])
if u[1] == 'disabled' then return {-2} end
-- every user Postgres knows has a hash with a status (written on create, rebuilt by the sync)
if not u[1] and ARGV[10] == '1' then return {-8} end
-- a limit below 0 is unlimited; a user's own 0 blocks, while a [quota] default of 0 means no limit
local function limit(own, default)
  if own then return tonumber(own) end
  local d = tonumber(default)
  if d == 0 then return -1 end
  return d
end
local limDr = limit(u[2], ARGV[5])
local limDt = limit(u[3], ARGV[6])
local limMt = limit(u[4], ARGV[7])
local d = redis.call('HMGET', KEYS[4], 'req', 'tok', 'spend', 'spend:' .. ARGV[1])
local mo = redis.call('HMGET', KEYS[5], 'tok', 'spend', 'spend:' .. ARGV[1])
local dr = tonumber(d[1] or '0')
local dt = tonumber(d[2] or '0')
local mt = tonumber(mo[1] or '0')
if limDr >= 0 and dr >= limDr then return {-3, dr, limDr} end
if limDt >= 0 and dt >= limDt then return {-4, dt, limDt} end
if limMt >= 0 and mt >= limMt then return {-5, mt, limMt} end
-- budgets: canonical non-negative decimal integers (nanos) compared as strings, exact past 2^53
-- (no table per call: this runs on every request)
local function reached(spent, budget)
  if not budget then return false end
  spent = spent or '0'
  if #spent ~= #budget then return #spent > #budget end
  return spent >= budget
end
if reached(d[3], u[5]) then return {-9, 1, d[3] or '0', u[5]} end
if reached(mo[2], u[6]) then return {-9, 2, mo[2] or '0', u[6]} end
if reached(d[4], u[7]) then return {-9, 3, d[4] or '0', u[7]} end
if reached(mo[3], u[8]) then return {-9, 4, mo[3] or '0', u[8]} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
-- expired leases (a dead worker's) only matter when the token looks full: swept then, not on
-- every admission (an admitted request's count may include them; only a refusal reports it)
local inFlight = redis.call('ZCARD', KEYS[3])
local concurrency = tonumber(ARGV[3])
if inFlight >= concurrency then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  inFlight = redis.call('ZCARD', KEYS[3])
  if inFlight >= concurrency then return {-6, inFlight} end
end
local leaseMs = tonumber(ARGV[4])
-- the upstream account, when the caller passes accounts, KEYS[6] being the disabled hash. Either
-- the worker's guess alone (KEYS[7] its slot zset, ARGV[11] its name, ARGV[12] its cap: the usual
-- case, checked and taken without the pick's tables), or every account: KEYS[7..6+n] their slot
-- zsets and the PICK inputs as the last 2 + 3n ARGV (15 or more, so the two never look alike)
local account, acctUsed = 0, 0
if #KEYS == 7 and #ARGV == 12 then
  if redis.call('HEXISTS', KEYS[6], ARGV[11]) == 1 then return {-7, 0, 1} end
  local cap = tonumber(ARGV[12])
  if cap > 0 then
    local used = redis.call('ZCARD', KEYS[7])
    if used >= cap then
      redis.call('ZREMRANGEBYSCORE', KEYS[7], '-inf', now)
      used = redis.call('ZCARD', KEYS[7])
      if used >= cap then return {-7, 1, 0} end
    end
    redis.call('ZADD', KEYS[7], now + leaseMs, ARGV[2])
    acctUsed = used + 1
  end
  account = 1
elseif #KEYS > 5 then
  local n = #KEYS - 6
  local full, off
  account, full, off, acctUsed = pickAccount(6, #ARGV - 3 * n - 1, now, ARGV[2], leaseMs)
  if account == 0 then return {-7, full, off} end
end
redis.call('ZADD', KEYS[3], now + leaseMs, ARGV[2])
-- ARGV strings, not Lua numbers, wherever a value passes through unchanged: Redis formats a Lua
-- number with printf before the command parses it back
redis.call('PEXPIRE', KEYS[3], ARGV[4])
-- the first write of a period sets its TTL (the counter outlives its period by a grace time)
if redis.call('HINCRBY', KEYS[4], 'req', 1) == 1 then redis.call('EXPIRE', KEYS[4], ARGV[8]) end
if redis.call('HINCRBY', KEYS[5], 'req', 1) == 1 then redis.call('EXPIRE', KEYS[5], ARGV[9]) end
local ratio = 0
if limDr > 0 then ratio = math.max(ratio, (dr + 1) / limDr) end
if limDt > 0 then ratio = math.max(ratio, dt / limDt) end
if limMt > 0 then ratio = math.max(ratio, mt / limMt) end
if account > 0 then return {1, math.floor(ratio * 1000000), inFlight + 1, account, acctUsed} end
return {1, math.floor(ratio * 1000000), inFlight + 1}
`;

export interface AdmitInput {
  userKey: string;
  revokedKey: string;
  leaseKey: string;
  dayKey: string;
  monthKey: string;
  jti: string;
  leaseId: string;
  concurrency: number;
  leaseMs: number;
  /** [quota] defaults: 0 = no limit */
  defaultDailyRequests: number;
  defaultDailyTokens: number;
  defaultMonthlyTokens: number;
  dayTtl: number;
  monthTtl: number;
  /** refuse a user without a user hash ([auth] unknown_users = "reject", state in sync) */
  refuseUnknown: boolean;
  /** the upstream account to take a slot on (the worker's guess), or all to pick from; null for the single-key form */
  accounts: SoloInputs | PickInputs | null;
}

export const ADMIT = defineScript<AdmitInput, Admission>(
  'dspAdmitV5',
  ADMIT_LUA,
  (i) => {
    const args: CallArg[] = [i.userKey, i.revokedKey, i.leaseKey, i.dayKey, i.monthKey];
    if (i.accounts) args.push(i.accounts.keys);
    args.push(
      i.jti,
      i.leaseId,
      i.concurrency,
      i.leaseMs,
      i.defaultDailyRequests,
      i.defaultDailyTokens,
      i.defaultMonthlyTokens,
      i.dayTtl,
      i.monthTtl,
      i.refuseUnknown ? '1' : '0',
    );
    if (i.accounts) args.push(...i.accounts.args);
    return { keys: 5 + (i.accounts ? i.accounts.keys.values.length : 0), args };
  },
  decodeAdmission,
);

/** Decoded result of the admit script. */
export type Admission =
  | {
      ok: true;
      usageRatio: number;
      inFlight: number;
      /** picked account candidate, 0-based; -1 when none were passed */
      account: number;
      /** the picked account's slots in use, this request's included (0 when uncapped or none passed) */
      accountUsed: number;
    }
  | { ok: false; reason: 'revoked' | 'disabled' | 'unknown_user' }
  | { ok: false; reason: 'quota'; quota: 'daily_requests' | 'daily_tokens' | 'monthly_tokens'; used: number; limit: number }
  | { ok: false; reason: 'concurrency'; inFlight: number }
  | { ok: false; reason: 'upstream_capacity'; full: number; disabled: number }
  | { ok: false; reason: 'budget'; budget: BudgetName; spentNanos: bigint; budgetNanos: bigint };

/** The budgets the admit script checks, in its order (result -9's second element, 1-based). */
export const BUDGET_NAMES = ['user_daily', 'user_monthly', 'token_daily', 'token_monthly'] as const;
export type BudgetName = (typeof BUDGET_NAMES)[number];

export function decodeAdmission(reply: unknown): Admission {
  const r = reply as readonly (number | string)[];
  const n = (i: number): number => Number(r[i] ?? 0);
  switch (Number(r[0])) {
    case 1:
      return { ok: true, usageRatio: n(1) / 1e6, inFlight: r[2] === undefined ? 1 : n(2), account: n(3) - 1, accountUsed: n(4) };
    case -1:
      return { ok: false, reason: 'revoked' };
    case -2:
      return { ok: false, reason: 'disabled' };
    case -3:
      return { ok: false, reason: 'quota', quota: 'daily_requests', used: n(1), limit: n(2) };
    case -4:
      return { ok: false, reason: 'quota', quota: 'daily_tokens', used: n(1), limit: n(2) };
    case -5:
      return { ok: false, reason: 'quota', quota: 'monthly_tokens', used: n(1), limit: n(2) };
    case -6:
      return { ok: false, reason: 'concurrency', inFlight: n(1) };
    case -7:
      return { ok: false, reason: 'upstream_capacity', full: n(1), disabled: n(2) };
    case -8:
      return { ok: false, reason: 'unknown_user' };
    case -9: {
      const budget = BUDGET_NAMES[n(1) - 1];
      if (!budget) break;
      return { ok: false, reason: 'budget', budget, spentNanos: BigInt(r[2] ?? 0), budgetNanos: BigInt(r[3] ?? 0) };
    }
  }
  throw new Error(`admit script returned an unknown result ${JSON.stringify(r)}`);
}
