import { defineScript } from './script.js';

// access — may this token use the gateway now? The checks admission starts with (revoked, user
// disabled, user unknown), for routes that take no slot and count nothing (the model list).
//
// KEYS[1] user hash {u}:user   KEYS[2] revoked set {u}:revoked
// ARGV[1] jti   ARGV[2] "1": refuse a user without a user hash ([auth] unknown_users)
// returns 1 allowed, or admit's refusal codes: -1 revoked, -2 disabled, -8 unknown user
export const ACCESS_LUA = `
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then return -1 end
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'disabled' then return -2 end
if not status and ARGV[2] == '1' then return -8 end
return 1
`;

export type Access = { ok: true } | { ok: false; reason: 'revoked' | 'disabled' | 'unknown_user' };

const REFUSED: Record<number, Access> = {
  [-1]: { ok: false, reason: 'revoked' },
  [-2]: { ok: false, reason: 'disabled' },
  [-8]: { ok: false, reason: 'unknown_user' },
};

export const ACCESS = defineScript<{ userKey: string; revokedKey: string; jti: string; refuseUnknown: boolean }, Access>(
  'dspAccessV1',
  ACCESS_LUA,
  (i) => ({ keys: 2, args: [i.userKey, i.revokedKey, i.jti, i.refuseUnknown ? '1' : '0'] }),
  (reply) => {
    if (reply === 1) return { ok: true };
    const refused = REFUSED[Number(reply)];
    if (!refused) throw new Error(`access script returned an unknown result ${JSON.stringify(reply)}`);
    return refused;
  },
);
