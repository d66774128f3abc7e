// finish — release the request's lease (only if we still own it), charge its tokens and append
// its usage event to the worker's outbox: one atomic step, so counters and ledger never disagree.
//
// KEYS[1] lease zset {u}:lease:jti   KEYS[2] day counters   KEYS[3] month counters
// KEYS[4] outbox list (single-node Redis only; on Redis Cluster the gateway sends RPUSH beside it,
//         because the outbox lives in another slot — dspFinishNoOutboxV3 takes 3 keys)
// ARGV[1] lease id  ARGV[2] total tokens  ARGV[3] day ttl s  ARGV[4] month ttl s
// ARGV[5] "1" on a retry: the first attempt may have run with only its reply lost, so a retry
//         charges only if the lease was still there (the first attempt would have removed it)
// ARGV[6] event (outbox variant only; a duplicate event is harmless: the ledger keeps one row)
// returns 1 if our lease was still there, 0 if it had already expired or been taken over
const BODY = `
local released = redis.call('ZREM', KEYS[1], ARGV[1])
local tokens = tonumber(ARGV[2])
if tokens > 0 and (ARGV[5] ~= '1' or released == 1) then
  if redis.call('HINCRBY', KEYS[2], 'tok', tokens) == tokens then redis.call('EXPIRE', KEYS[2], ARGV[3]) end
  if redis.call('HINCRBY', KEYS[3], 'tok', tokens) == tokens then redis.call('EXPIRE', KEYS[3], ARGV[4]) end
end
`;

export const FINISH_LUA = `${BODY}
redis.call('RPUSH', KEYS[4], ARGV[6])
return released
`;

export const FINISH_NO_OUTBOX_LUA = `${BODY}
return released
`;
