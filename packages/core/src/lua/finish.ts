// finish — release the request's lease (only if we still own it) and charge its tokens.
//
// KEYS[1] lease zset {u}:lease:jti   KEYS[2] day counters   KEYS[3] month counters
// ARGV[1] lease id  ARGV[2] total tokens  ARGV[3] day ttl s  ARGV[4] month ttl s
// returns 1 if our lease was still there, 0 if it had already expired or been taken over
export const FINISH_LUA = `
local released = redis.call('ZREM', KEYS[1], ARGV[1])
local tokens = tonumber(ARGV[2])
if tokens > 0 then
  redis.call('HINCRBY', KEYS[2], 'tok', tokens)
  redis.call('EXPIRE', KEYS[2], ARGV[3], 'NX')
  redis.call('HINCRBY', KEYS[3], 'tok', tokens)
  redis.call('EXPIRE', KEYS[3], ARGV[4], 'NX')
end
return released
`;
