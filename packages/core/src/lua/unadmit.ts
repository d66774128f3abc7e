import { asFlag, defineScript } from './script.js';

// unadmit — take back an admission that could not go on (Redis Cluster: no upstream account had a
// free slot, and the account keys live in another hash slot than the user's, so the account slot
// is taken in a second call after the admission). Gives the token's slot back and uncounts the
// request, only if the lease was still there: a repeated call undoes nothing twice.
//
// KEYS[1] lease zset {u}:lease:jti   KEYS[2] day counters   KEYS[3] month counters
// ARGV[1] lease id
// returns 1 if it undid the admission, 0 if the lease was gone
export const UNADMIT_LUA = `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[2], 'req', -1)
redis.call('HINCRBY', KEYS[3], 'req', -1)
return 1
`;

export interface UnadmitInput {
  leaseKey: string;
  dayKey: string;
  monthKey: string;
  leaseId: string;
}

export const UNADMIT = defineScript<UnadmitInput, boolean>(
  'dspUnadmitV1',
  UNADMIT_LUA,
  (i) => ({ keys: 3, args: [i.leaseKey, i.dayKey, i.monthKey, i.leaseId] }),
  asFlag,
);
