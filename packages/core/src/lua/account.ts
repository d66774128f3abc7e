import { ArgRun, asFlag, defineScript, type ScriptArg } from './script.js';

// Account slots: cluster-wide leases on an upstream account's concurrency cap.
//
// Each capped account has a lease zset (member = request id, score = expiry in ms on the Redis
// clock), like a token's concurrency slots. It is counted with ZCARD, and expired leases are swept
// when the account looks full: a worker that dies mid-request frees its account slots within one
// lease time as far as the cap is concerned, never stuck (until then they only shade the weight
// by free room). The zset has no TTL: one small key per configured account, kept tidy by the
// sweep; a per-pick PEXPIRE and sweep cost more Redis CPU than the whole pick otherwise. The
// lease is renewed with the token lease while the stream runs (the renew script works on either
// zset) and removed by the finish. Uncapped accounts take no lease. An account an operator (or a
// 401 / 402 from the upstream) took out of rotation is a field of the `disabled` hash.
//
// PICK is a Lua chunk shared by the standalone script below and the admission script: it chooses
// among the candidate accounts the worker passes (enabled in config, breaker closed, serving the
// model) by weight × free fraction of the cap, from a uniform random number the caller supplies
// (scripts must not draw their own), and takes the lease. Its inputs, starting at KEYS[k0] and
// ARGV[a0]:
//   KEYS[k0]         disabled hash  {acct}:disabled   field = account name
//   KEYS[k0+i]       lease zset of candidate i (i = 1..n; for an uncapped account any key, unused)
//   ARGV[a0]         n, the number of candidates
//   ARGV[a0+1]       r in [0, 1)
//   ARGV[a0+1+i*3-2] name  ARGV[a0+1+i*3-1] cap (0 = none)  ARGV[a0+1+i*3] weight
// A candidate with weight 0 is not eligible for this request (breaker open, wrong model): passing
// every account with a weight keeps the number of keys fixed. It returns the picked candidate
// (1-based, or 0 when none could be taken), how many eligible ones were full and how many disabled,
// and the picked one's slots in use with this request's (0 when uncapped), and takes the lease on
// the picked one. The admission script runs it only when the worker's guess (one account, checked
// on its own path there) was refused; the counts returned keep the guesses close to the free room.
export const ACCOUNT_PICK_LUA = `
local function pickAccount(k0, a0, now, leaseId, leaseMs)
  local n = tonumber(ARGV[a0])
  local r = tonumber(ARGV[a0 + 1])
  local names = {}
  for i = 1, n do names[i] = ARGV[a0 + 1 + i * 3 - 2] end
  local off = redis.call('HMGET', KEYS[k0], unpack(names))
  local scores, used, total, full, disabled = {}, {}, 0, 0, 0
  for i = 1, n do
    local cap = tonumber(ARGV[a0 + 1 + i * 3 - 1])
    local w = tonumber(ARGV[a0 + 1 + i * 3])
    local s = 0
    if w <= 0 then
      s = 0
    elseif off[i] then
      disabled = disabled + 1
    elseif cap <= 0 then
      s = w
    else
      -- ZCARD is O(1); expired leases (a dead worker's) are swept only when they could matter:
      -- when the account looks full
      local u = redis.call('ZCARD', KEYS[k0 + i])
      if u >= cap then
        redis.call('ZREMRANGEBYSCORE', KEYS[k0 + i], '-inf', now)
        u = redis.call('ZCARD', KEYS[k0 + i])
      end
      used[i] = u
      if u < cap then s = w * (cap - u) / cap else full = full + 1 end
    end
    scores[i] = s
    total = total + s
  end
  if total <= 0 then return 0, full, disabled, 0 end
  local point = r * total
  local picked = 0
  for i = 1, n do
    if scores[i] > 0 then
      picked = i
      if point < scores[i] then break end
      point = point - scores[i]
    end
  end
  if tonumber(ARGV[a0 + 1 + picked * 3 - 1]) > 0 then
    redis.call('ZADD', KEYS[k0 + picked], now + leaseMs, leaseId)
    return picked, full, disabled, used[picked] + 1
  end
  return picked, full, disabled, 0
end
`;

// account acquire — pick an account and take its slot, on its own (failover to another account,
// waiting for a slot, and Redis Cluster, where the account keys live in another slot than the user's).
// KEYS[1] disabled hash  KEYS[2..n+1] candidate lease zsets
// ARGV[1] lease id  ARGV[2] lease ms  ARGV[3..] the PICK inputs (n, r, name/cap/weight triples)
// returns {i, used} the picked candidate (1-based) and its slots in use, or {0, full, disabled}
// when none could be taken
export const ACCOUNT_ACQUIRE_LUA = `${ACCOUNT_PICK_LUA}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local picked, full, disabled, used = pickAccount(1, 3, now, ARGV[1], tonumber(ARGV[2]))
if picked == 0 then return {0, full, disabled} end
return {picked, used}
`;

// account release — give back an account slot (on failover; the finish releases it otherwise).
// KEYS[1] lease zset  ARGV[1] lease id   returns 1 if the lease was there
export const ACCOUNT_RELEASE_LUA = `
return redis.call('ZREM', KEYS[1], ARGV[1])
`;

/** Decoded result of account acquisition. */
export type AccountPick =
  { ok: true; index: number; /** its slots in use, this request's included (0 when uncapped) */ used: number } | { ok: false; full: number; disabled: number };

export function decodeAccountPick(reply: unknown): AccountPick {
  const r = reply as readonly number[];
  const i = r[0] ?? 0;
  if (i > 0) return { ok: true, index: i - 1, used: r[1] ?? 0 };
  return { ok: false, full: r[1] ?? 0, disabled: r[2] ?? 0 };
}

export interface AcquireInput {
  pick: PickInputs;
  leaseId: string;
  leaseMs: number;
}

export const ACCOUNT_ACQUIRE = defineScript<AcquireInput, AccountPick>(
  'dspAccountAcquireV3',
  ACCOUNT_ACQUIRE_LUA,
  (i) => ({ keys: i.pick.keys.values.length, args: [i.pick.keys, i.leaseId, i.leaseMs, ...i.pick.args] }),
  decodeAccountPick,
);

/** true when the lease was there. */
export const ACCOUNT_RELEASE = defineScript<{ key: string; leaseId: string }, boolean>(
  'dspAccountReleaseV1',
  ACCOUNT_RELEASE_LUA,
  (i) => ({ keys: 1, args: [i.key, i.leaseId] }),
  asFlag,
);

/** One candidate as the PICK inputs want it. */
export interface AccountCandidate {
  name: string;
  /** 0 = uncapped (no lease) */
  cap: number;
  weight: number;
  /** its lease zset key */
  leaseKey: string;
}

/** PICK's KEYS and ARGV, placed after the caller's own by the script that embeds it. */
export interface PickInputs {
  /** the disabled hash and each candidate's lease zset */
  keys: ArgRun;
  /** n, r, then the candidates' name/cap/weight triples (one run) */
  args: [number, number, ArgRun];
}

/** The admission's inputs for one account, the worker's guess: the disabled hash and its slot zset, its name and cap. */
export interface SoloInputs {
  keys: ArgRun;
  args: [ArgRun];
}

export function soloInputs(disabledKey: string, c: Pick<AccountCandidate, 'name' | 'cap' | 'leaseKey'>): SoloInputs {
  return { keys: new ArgRun([disabledKey, c.leaseKey]), args: [new ArgRun([c.name, c.cap])] };
}

/** KEYS and ARGV (after the caller's own) for PICK: the disabled hash first, then one key per candidate. */
export function pickInputs(disabledKey: string, candidates: readonly AccountCandidate[], r: number): PickInputs {
  const keys: string[] = [disabledKey];
  const triples: ScriptArg[] = [];
  for (const c of candidates) {
    keys.push(c.leaseKey);
    triples.push(c.name, c.cap, c.weight);
  }
  return { keys: new ArgRun(keys), args: [candidates.length, r, new ArgRun(triples)] };
}
