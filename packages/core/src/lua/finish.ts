import { asFlag, defineScript } from './script.js';

// finish — release the request's lease (only if we still own it) and its upstream account slot,
// charge its tokens and spend and append its usage event to the worker's outbox: one atomic step,
// so counters and ledger never disagree, and one round trip per request.
//
// KEYS[1] lease zset {u}:lease:jti   KEYS[2] day counters   KEYS[3] month counters
// KEYS[4] outbox list (single-node Redis only; on Redis Cluster the gateway sends RPUSH beside it,
//         because the outbox lives in another slot: the no-outbox variant takes 3 keys)
// KEYS[5] optional, single-node only: the upstream account's slot zset (a capped account; on Redis
//         Cluster the slot is in another hash slot and is released by ACCOUNT_RELEASE beside this call)
// ARGV[1] lease id  ARGV[2] total tokens  ARGV[3] day ttl s  ARGV[4] month ttl s
// ARGV[5] "1" on a retry: the first attempt may have run with only its reply lost, so a retry
//         charges only if the lease was still there (the first attempt would have removed it)
// ARGV[6] spend: the request's cost in nanos of [quota] budget_currency, a decimal integer ("0"
//         when it cost nothing or was priced in another currency); added to the user's `spend`
//         and the token's `spend:<jti>` fields of both counter hashes (HINCRBY: exact 64-bit integers)
// ARGV[7] token id (jti)
// ARGV[8] event (outbox variant only; a duplicate event is harmless: the ledger keeps one row)
// returns 1 if our lease was still there, 0 if it had already expired or been taken over
const BODY = `
local released = redis.call('ZREM', KEYS[1], ARGV[1])
if ARGV[5] ~= '1' or released == 1 then
  -- a counter hash normally has its TTL from the admission; a field's first write (its new value
  -- is the increment) makes sure of it, so later writes cost no TTL check. ARGV strings are passed
  -- as they are: Redis would format a Lua number with printf before parsing it back.
  local tokens = tonumber(ARGV[2])
  if tokens > 0 then
    if redis.call('HINCRBY', KEYS[2], 'tok', ARGV[2]) == tokens then redis.call('EXPIRE', KEYS[2], ARGV[3]) end
    if redis.call('HINCRBY', KEYS[3], 'tok', ARGV[2]) == tokens then redis.call('EXPIRE', KEYS[3], ARGV[4]) end
  end
  if ARGV[6] ~= '0' then
    local spend = tonumber(ARGV[6])
    local tokenField = 'spend:' .. ARGV[7]
    local day = redis.call('HINCRBY', KEYS[2], 'spend', ARGV[6])
    redis.call('HINCRBY', KEYS[2], tokenField, ARGV[6])
    local month = redis.call('HINCRBY', KEYS[3], 'spend', ARGV[6])
    redis.call('HINCRBY', KEYS[3], tokenField, ARGV[6])
    if day == spend and redis.call('TTL', KEYS[2]) == -1 then redis.call('EXPIRE', KEYS[2], ARGV[3]) end
    if month == spend and redis.call('TTL', KEYS[3]) == -1 then redis.call('EXPIRE', KEYS[3], ARGV[4]) end
  end
end
`;

export const FINISH_LUA = `${BODY}
redis.call('RPUSH', KEYS[4], ARGV[8])
if KEYS[5] then redis.call('ZREM', KEYS[5], ARGV[1]) end
return released
`;

export const FINISH_NO_OUTBOX_LUA = `${BODY}
return released
`;

export interface FinishInput {
  leaseKey: string;
  dayKey: string;
  monthKey: string;
  /** the upstream account's slot zset when the request holds one, else null */
  accountLeaseKey: string | null;
  leaseId: string;
  tokens: number;
  dayTtl: number;
  monthTtl: number;
  /** a retry after a failed attempt (see ARGV[5]) */
  retry: boolean;
  /** nanos of the budget currency, a decimal integer */
  spend: string;
  jti: string;
}

export interface FinishWithOutboxInput extends FinishInput {
  outboxKey: string;
  /** the usage event, as the JSON text the recorder parses */
  event: string;
}

const finishArgs = (i: FinishInput): (string | number)[] => [i.leaseId, i.tokens, i.dayTtl, i.monthTtl, i.retry ? '1' : '0', i.spend, i.jti];

/** true when the lease was still ours (see ARGV[5] for what a retry charges). */
export const FINISH = defineScript<FinishWithOutboxInput, boolean>(
  'dspFinishV6',
  FINISH_LUA,
  (i) =>
    i.accountLeaseKey === null
      ? { keys: 4, args: [i.leaseKey, i.dayKey, i.monthKey, i.outboxKey, ...finishArgs(i), i.event] }
      : { keys: 5, args: [i.leaseKey, i.dayKey, i.monthKey, i.outboxKey, i.accountLeaseKey, ...finishArgs(i), i.event] },
  asFlag,
);

/** Redis Cluster: the outbox and the account slot are other slots', pushed and released beside this call. */
export const FINISH_NO_OUTBOX = defineScript<FinishInput, boolean>(
  'dspFinishNoOutboxV6',
  FINISH_NO_OUTBOX_LUA,
  (i) => ({ keys: 3, args: [i.leaseKey, i.dayKey, i.monthKey, ...finishArgs(i)] }),
  asFlag,
);
