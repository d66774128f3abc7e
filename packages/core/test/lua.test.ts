// The Lua scripts against a real Redis: admission decisions, lease ownership, and a finish that is
// safe to retry (a lost reply must not charge the tokens twice).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { ACCESS, ADMIT, FINISH, SCRIPTS, UNADMIT, evalRunner, keys, type ScriptRunner } from '../src/index.js';

const prefix = `dsp-test-lua-${randomBytes(4).toString('hex')}:`;
let r: Redis;
let scripts: ScriptRunner;

beforeAll(() => {
  r = new Redis('redis://127.0.0.1:6379');
  scripts = evalRunner(r);
});
afterAll(async () => {
  const found = await r.keys(`${prefix}*`);
  if (found.length) await r.del(...found);
  r.disconnect();
});

const k = (sub: string, jti = 't1') => ({
  user: keys.user(prefix, sub),
  revoked: keys.revoked(prefix, sub),
  lease: keys.leases(prefix, sub, jti),
  day: keys.day(prefix, sub, '20261201'),
  month: keys.month(prefix, sub, '202612'),
  outbox: keys.outbox(prefix, 'test', 0),
});

function admit(sub: string, leaseId: string, o: { concurrency?: number; dailyTokens?: number; leaseMs?: number } = {}) {
  const x = k(sub);
  return scripts.run(ADMIT, {
    userKey: x.user,
    revokedKey: x.revoked,
    leaseKey: x.lease,
    dayKey: x.day,
    monthKey: x.month,
    jti: 't1',
    leaseId,
    concurrency: o.concurrency ?? 1,
    leaseMs: o.leaseMs ?? 5000,
    defaultDailyRequests: 0,
    defaultDailyTokens: o.dailyTokens ?? 0,
    defaultMonthlyTokens: 0,
    dayTtl: 3600,
    monthTtl: 3600,
    refuseUnknown: false,
    accounts: null,
  });
}

const finish = (sub: string, leaseId: string, tokens: number, retry: boolean, spend = '0', jti = 't', accountLeaseKey: string | null = null) => {
  const x = k(sub);
  return scripts.run(FINISH, {
    leaseKey: x.lease,
    dayKey: x.day,
    monthKey: x.month,
    outboxKey: x.outbox,
    accountLeaseKey,
    leaseId,
    tokens,
    dayTtl: 3600,
    monthTtl: 3600,
    retry,
    spend,
    jti,
    event: JSON.stringify({ request_id: leaseId }),
  });
};

describe('admit + finish scripts', () => {
  it('holds one slot per token, refuses the second, and frees it on finish', async () => {
    expect((await admit('u1', 'a')).ok).toBe(true);
    expect(await admit('u1', 'b')).toMatchObject({ ok: false, reason: 'concurrency' });
    expect(await finish('u1', 'a', 10, false)).toBe(true);
    expect((await admit('u1', 'b')).ok).toBe(true);
  });

  it('a full token takes a new request once a lease expired (its holder died), not before', async () => {
    expect((await admit('ux', 'a', { concurrency: 2, leaseMs: 150 })).ok).toBe(true);
    expect((await admit('ux', 'b', { concurrency: 2, leaseMs: 5000 })).ok).toBe(true);
    expect(await admit('ux', 'c', { concurrency: 2 })).toEqual({ ok: false, reason: 'concurrency', inFlight: 2 });
    await new Promise((res) => setTimeout(res, 200)); // lease a expired; b still live
    expect(await admit('ux', 'c', { concurrency: 2 })).toEqual({ ok: true, usageRatio: 0, inFlight: 2, account: -1, accountUsed: 0 });
    expect(await admit('ux', 'd', { concurrency: 2 })).toEqual({ ok: false, reason: 'concurrency', inFlight: 2 });
    expect(await r.zrange(k('ux').lease, 0, -1)).toEqual(['b', 'c']);
  });

  it("a user's own limit of 0 blocks, -1 is unlimited, and a [quota] default of 0 means no limit", async () => {
    await r.hset(k('zero').user, 'daily_requests', '0');
    expect(await admit('zero', 'a')).toMatchObject({ ok: false, reason: 'quota', quota: 'daily_requests', limit: 0 });
    await r.hset(k('unl').user, 'daily_tokens', '-1');
    expect((await admit('unl', 'a', { dailyTokens: 5 })).ok).toBe(true); // own -1 beats the default 5
    expect((await admit('dflt', 'a', { dailyTokens: 0 })).ok).toBe(true); // no own limit, default 0
    await r.hset(k('tok0').user, 'daily_tokens', '0');
    expect(await admit('tok0', 'a', { dailyTokens: 0 })).toMatchObject({ ok: false, reason: 'quota', quota: 'daily_tokens', limit: 0 });
  });

  it('a finish retried after its first attempt ran charges once', async () => {
    expect((await admit('u2', 'a')).ok).toBe(true);
    expect(await finish('u2', 'a', 40, false)).toBe(true); // ran, but pretend its reply was lost
    expect(await finish('u2', 'a', 40, true)).toBe(false); // the retry
    expect(Number(await r.hget(k('u2').day, 'tok'))).toBe(40);
  });

  it('finish adds the spend (exact 64-bit nanos) to the user and the token, day and month, once on a retry', async () => {
    expect((await admit('sp', 'a')).ok).toBe(true);
    const big = '9007199254740993'; // 2^53 + 1: not a double
    expect(await finish('sp', 'a', 10, false, big, 't1')).toBe(true);
    expect(await finish('sp', 'a', 10, true, big, 't1')).toBe(false); // a retry after a lost reply: nothing more
    expect((await admit('sp', 'b')).ok).toBe(true);
    expect(await finish('sp', 'b', 0, false, '7', 't2')).toBe(true); // spend without tokens still counts
    for (const key of [k('sp').day, k('sp').month]) {
      const h = await r.hgetall(key);
      expect(h).toMatchObject({ spend: '9007199254741000', 'spend:t1': big, 'spend:t2': '7', tok: '10' });
      expect(await r.ttl(key)).toBeGreaterThan(0);
    }
    expect((await admit('sp0', 'a')).ok).toBe(true);
    expect(await finish('sp0', 'a', 5, false, '0', 't1')).toBe(true);
    expect(await r.hget(k('sp0').day, 'spend')).toBeNull(); // nothing priced: no field
  });

  it('finish gives a counter hash without a TTL one (a day key that expired or was removed after the admission)', async () => {
    expect((await admit('ttl', 'a', { concurrency: 3 })).ok).toBe(true);
    await r.del(k('ttl').day, k('ttl').month); // gone between admission and finish: the finish recreates them
    expect(await finish('ttl', 'a', 12, false, '5', 't1')).toBe(true);
    for (const key of [k('ttl').day, k('ttl').month]) expect(await r.ttl(key)).toBeGreaterThan(0);
    // spend without tokens on a hash without a TTL: the spend field's first write sets it
    expect((await admit('ttl2', 'a')).ok).toBe(true);
    await r.persist(k('ttl2').day);
    await r.persist(k('ttl2').month);
    expect(await finish('ttl2', 'a', 0, false, '9', 't1')).toBe(true);
    for (const key of [k('ttl2').day, k('ttl2').month]) expect(await r.ttl(key)).toBeGreaterThan(0);
  });

  it('a retry whose first attempt never ran still charges', async () => {
    expect((await admit('u3', 'a')).ok).toBe(true);
    expect(await finish('u3', 'a', 25, true)).toBe(true);
    expect(Number(await r.hget(k('u3').day, 'tok'))).toBe(25);
  });

  it('refuses a revoked token, a disabled user and a spent daily token quota', async () => {
    await r.sadd(k('u4').revoked, 't1');
    expect(await admit('u4', 'a')).toEqual({ ok: false, reason: 'revoked' });
    await r.hset(k('u5').user, 'status', 'disabled');
    expect(await admit('u5', 'a')).toEqual({ ok: false, reason: 'disabled' });
    expect((await admit('u6', 'a', { dailyTokens: 50 })).ok).toBe(true);
    await finish('u6', 'a', 60, false);
    expect(await admit('u6', 'b', { dailyTokens: 50 })).toMatchObject({ ok: false, reason: 'quota', quota: 'daily_tokens', used: 60, limit: 50 });
  });

  it('budgets: refused once the spend reaches a budget (user or token, day or month), exact past 2^53, 0 blocks', async () => {
    // a daily budget of 5 (nanos): admitted below it, refused at it
    await r.hset(k('b1').user, 'status', 'active', 'daily_budget', '5000000000');
    expect((await admit('b1', 'a', { concurrency: 5 })).ok).toBe(true);
    await finish('b1', 'a', 10, false, '4999999999', 't1');
    expect((await admit('b1', 'b', { concurrency: 5 })).ok).toBe(true); // one nano short: still admitted
    await finish('b1', 'b', 10, false, '1', 't1');
    expect(await admit('b1', 'c', { concurrency: 5 })).toEqual({
      ok: false,
      reason: 'budget',
      budget: 'user_daily',
      spentNanos: 5000000000n,
      budgetNanos: 5000000000n,
    });
    // monthly: the month hash's spend
    await r.hset(k('b2').user, 'status', 'active', 'monthly_budget', '100');
    await r.hset(k('b2').month, 'spend', '100');
    expect(await admit('b2', 'a')).toMatchObject({ ok: false, reason: 'budget', budget: 'user_monthly', spentNanos: 100n });
    // a token's budget counts only that token's spend (the admitted jti is t1)
    await r.hset(k('b3').user, 'status', 'active', 'daily_budget:t1', '50', 'monthly_budget:t2', '1');
    await r.hset(k('b3').day, 'spend', '1000', 'spend:t2', '1000', 'spend:t1', '49');
    await r.hset(k('b3').month, 'spend', '1000', 'spend:t2', '1000', 'spend:t1', '49');
    expect((await admit('b3', 'a')).ok).toBe(true); // t2 is over its budget, t1 is not
    await r.hset(k('b3').user, 'monthly_budget:t1', '49');
    expect(await admit('b3', 'b')).toMatchObject({ ok: false, reason: 'budget', budget: 'token_monthly', spentNanos: 49n, budgetNanos: 49n });
    await r.hset(k('b3').day, 'spend:t1', '50');
    expect(await admit('b3', 'b')).toMatchObject({ ok: false, reason: 'budget', budget: 'token_daily' });
    // exact beyond doubles: 2^53 + 1 spent against a budget of 2^53 + 2 is below it
    await r.hset(k('b4').user, 'status', 'active', 'daily_budget', '9007199254740994');
    await r.hset(k('b4').day, 'spend', '9007199254740993');
    expect((await admit('b4', 'a')).ok).toBe(true);
    await r.hset(k('b4').day, 'spend', '9007199254740994');
    expect(await admit('b4', 'b', { concurrency: 2 })).toMatchObject({ ok: false, reason: 'budget', spentNanos: 9007199254740994n });
    // a budget of 0 blocks before anything was spent; no budget field = no budget
    await r.hset(k('b5').user, 'status', 'active', 'daily_budget', '0');
    expect(await admit('b5', 'a')).toMatchObject({ ok: false, reason: 'budget', budget: 'user_daily', spentNanos: 0n });
    await r.hset(k('b6').day, 'spend', '99999999999999');
    expect((await admit('b6', 'a')).ok).toBe(true);
    // a refusal counts nothing and holds no slot
    expect(await r.hget(k('b5').day, 'req')).toBeNull();
    expect(await r.zcard(k('b5').lease)).toBe(0);
  });

  it('unadmit gives the token slot back and uncounts the request, once (Redis Cluster, no account had room)', async () => {
    const x = k('undo');
    expect((await admit('undo', 'kept')).ok).toBe(true);
    await finish('undo', 'kept', 0, false);
    expect((await admit('undo', 'u1')).ok).toBe(true);
    expect(await r.hget(x.day, 'req')).toBe('2');
    const input = { leaseKey: x.lease, dayKey: x.day, monthKey: x.month, leaseId: 'u1' };
    expect(await scripts.run(UNADMIT, input)).toBe(true);
    expect(await scripts.run(UNADMIT, input)).toBe(false); // a repeat undoes nothing twice
    expect(await r.hget(x.day, 'req')).toBe('1');
    expect(await r.hget(x.month, 'req')).toBe('1');
    expect(await r.zcard(x.lease)).toBe(0);
    expect((await admit('undo', 'u2')).ok).toBe(true); // the slot (concurrency 1) is free again
  });

  it('finish releases the upstream account slot in the same call, on a retry too', async () => {
    const slots = `${prefix}acct:slots`;
    await r.zadd(slots, Date.now() + 60_000, 'f1', Date.now() + 60_000, 'other');
    expect((await admit('fa', 'f1')).ok).toBe(true);
    expect(await finish('fa', 'f1', 3, false, '0', 't', slots)).toBe(true);
    expect(await r.zrange(slots, 0, -1)).toEqual(['other']);
    expect(await finish('fa', 'f1', 3, true, '0', 't', slots)).toBe(false); // nothing more charged, nothing else removed
    expect(await r.zrange(slots, 0, -1)).toEqual(['other']);
    expect(Number(await r.hget(k('fa').day, 'tok'))).toBe(3);
  });
});

describe('access script (the model list)', () => {
  const access = (sub: string, refuseUnknown: boolean) => scripts.run(ACCESS, { userKey: k(sub).user, revokedKey: k(sub).revoked, jti: 't1', refuseUnknown });

  it('decides revoked, disabled and unknown like admission, and counts nothing', async () => {
    await r.hset(k('ac1').user, 'status', 'active');
    expect(await access('ac1', true)).toEqual({ ok: true });
    await r.sadd(k('ac1').revoked, 't1');
    expect(await access('ac1', true)).toEqual({ ok: false, reason: 'revoked' });
    await r.hset(k('ac2').user, 'status', 'disabled');
    expect(await access('ac2', false)).toEqual({ ok: false, reason: 'disabled' });
    expect(await access('ac3', true)).toEqual({ ok: false, reason: 'unknown_user' });
    expect(await access('ac3', false)).toEqual({ ok: true });
    expect(await r.exists(k('ac1').day, k('ac1').lease)).toBe(0);
  });
});

describe('script table', () => {
  it("names every script once, so two releases sharing a Redis never run each other's", () => {
    const names = SCRIPTS.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(SCRIPTS.map((s) => s.lua)).size).toBe(SCRIPTS.length);
  });
});
