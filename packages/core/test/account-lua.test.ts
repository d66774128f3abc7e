// The account-slot scripts against a real Redis: the weighted choice matches the TypeScript
// reference, caps hold under parallel callers, disabled accounts are skipped, and dead leases expire.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import {
  ACCOUNT_ACQUIRE,
  ACCOUNT_RELEASE,
  ADMIT,
  RENEW,
  accountScore,
  evalRunner,
  keys,
  pickInputs,
  soloInputs,
  weightedPick,
  type AccountCandidate,
  type ScriptRunner,
} from '../src/index.js';

type Scripted = Redis & { scripts: ScriptRunner };
const prefix = `dsp-test-acct-${randomBytes(4).toString('hex')}:`;
let r: Scripted;
let r2: Scripted;

function connect(): Scripted {
  const c = new Redis('redis://127.0.0.1:6379') as Scripted;
  c.scripts = evalRunner(c);
  return c;
}
beforeAll(() => {
  r = connect();
  r2 = connect();
});
afterAll(async () => {
  const found = await r.keys(`${prefix}*`);
  if (found.length) await r.del(...found);
  r.disconnect();
  r2.disconnect();
});

const cand = (name: string, cap: number, weight = 1): AccountCandidate => ({ name, cap, weight, leaseKey: keys.accountLeases(prefix, name) });
const disabledKey = keys.accountsDisabled(prefix);

async function acquire(c: Scripted, leaseId: string, list: AccountCandidate[], rnd: number, leaseMs = 10_000) {
  return c.scripts.run(ACCOUNT_ACQUIRE, { pick: pickInputs(disabledKey, list, rnd), leaseId, leaseMs });
}

describe('account acquire', () => {
  it('chooses like weightedPick over weight × free fraction, for the same r', async () => {
    const list = [cand('w-a', 4, 1), cand('w-b', 0, 2), cand('w-c', 2, 3)];
    // fill some room: a has 1 of 4, c has 1 of 2
    expect(await acquire(r, 'pre-a', [list[0]!], 0.5)).toEqual({ ok: true, index: 0, used: 1 });
    expect(await acquire(r, 'pre-c', [list[2]!], 0.5)).toEqual({ ok: true, index: 0, used: 1 });
    const scores = [accountScore(1, 4, 1), accountScore(2, 0, 0), accountScore(3, 2, 1)];
    for (const rnd of [0, 0.1, 0.19, 0.21, 0.5, 0.7, 0.99]) {
      const got = await acquire(r, `x-${rnd}`, list, rnd);
      const index = weightedPick(scores, rnd);
      // the picked account's slots in use, this one's included (an uncapped account counts none)
      expect(got, `r=${rnd}`).toEqual({ ok: true, index, used: [2, 0, 2][index] });
      // give the slot back so the next draw sees the same state
      if (got.ok && list[got.index]!.cap > 0) await r.scripts.run(ACCOUNT_RELEASE, { key: list[got.index]!.leaseKey, leaseId: `x-${rnd}` });
    }
    // the uncapped account takes no lease
    expect(await r.exists(list[1]!.leaseKey)).toBe(0);
  });

  it('holds a cap of 5 under 60 parallel acquires from two connections', async () => {
    const list = [cand('cap5', 5)];
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => acquire(i % 2 ? r : r2, `p-${i}`, list, Math.random())));
    expect(results.filter((x) => x.ok)).toHaveLength(5);
    expect(results.find((x) => !x.ok)).toEqual({ ok: false, full: 1, disabled: 0 });
    expect(await r.zcard(list[0]!.leaseKey)).toBe(5);
  });

  it('moves to the account with room when one is full, and says when all are', async () => {
    const list = [cand('full-a', 1), cand('full-b', 1)];
    const first = await acquire(r, 'f1', list, 0);
    expect(first).toEqual({ ok: true, index: 0, used: 1 });
    expect(await acquire(r, 'f2', list, 0)).toEqual({ ok: true, index: 1, used: 1 });
    expect(await acquire(r, 'f3', list, 0.3)).toEqual({ ok: false, full: 2, disabled: 0 });
    expect(await r.scripts.run(ACCOUNT_RELEASE, { key: list[0]!.leaseKey, leaseId: 'f1' })).toBe(true);
    expect(await r.scripts.run(ACCOUNT_RELEASE, { key: list[0]!.leaseKey, leaseId: 'f1' })).toBe(false);
    expect(await acquire(r, 'f4', list, 0.9)).toEqual({ ok: true, index: 0, used: 1 });
  });

  it('skips accounts in the disabled hash', async () => {
    const list = [cand('d-a', 0), cand('d-b', 3)];
    await r.hset(disabledKey, 'd-a', 'key_refused');
    for (const [i, rnd] of [0, 0.5, 0.99].entries()) expect(await acquire(r, `d-${rnd}`, list, rnd)).toEqual({ ok: true, index: 1, used: i + 1 });
    await r.hset(disabledKey, 'd-b', 'operator');
    expect(await acquire(r, 'd-x', list, 0.5)).toEqual({ ok: false, full: 0, disabled: 2 });
    await r.hdel(disabledKey, 'd-a', 'd-b');
    expect((await acquire(r, 'd-y', list, 0)).ok).toBe(true);
  });

  it("frees a dead worker's slot when its lease expires", async () => {
    const list = [cand('exp', 1)];
    expect((await acquire(r, 'dead', list, 0.5, 150)).ok).toBe(true);
    expect((await acquire(r, 'live', list, 0.5)).ok).toBe(false);
    await sleep(250);
    expect(await acquire(r, 'live', list, 0.5)).toEqual({ ok: true, index: 0, used: 1 });
    // swept when the account looked full; the zset has no TTL (one small key per account)
    expect(await r.zrange(list[0]!.leaseKey, 0, -1)).toEqual(['live']);
    expect(await r.pttl(list[0]!.leaseKey)).toBe(-1);
  });

  it('counts a dead lease against the weight until the account looks full, then sweeps it', async () => {
    const list = [cand('shade', 4)];
    expect((await acquire(r, 'gone', list, 0.5, 50)).ok).toBe(true);
    await sleep(100);
    for (const id of ['s1', 's2', 's3']) expect((await acquire(r, id, list, 0.5)).ok).toBe(true);
    expect(await r.zcard(list[0]!.leaseKey)).toBe(4); // the dead one is still there: the account looks full
    expect((await acquire(r, 's4', list, 0.5)).ok).toBe(true); // swept, and its slot taken
    expect((await r.zrange(list[0]!.leaseKey, 0, -1)).sort()).toEqual(['s1', 's2', 's3', 's4']);
    expect((await acquire(r, 's5', list, 0.5)).ok).toBe(false);
  });

  it('renews an account lease with the token renew script', async () => {
    const list = [cand('renew', 1)];
    expect((await acquire(r, 'long', list, 0.5, 200)).ok).toBe(true);
    for (let i = 0; i < 4; i++) {
      await sleep(100);
      expect(await r.scripts.run(RENEW, { key: list[0]!.leaseKey, leaseId: 'long', leaseMs: 200 })).toBe(true);
    }
    expect((await acquire(r, 'other', list, 0.5)).ok).toBe(false);
  });
});

describe('admission with accounts (one script: quota, token slot and account slot)', () => {
  function admitWith(sub: string, leaseId: string, list: AccountCandidate[] | null, o: { concurrency?: number; r?: number; solo?: boolean } = {}) {
    return r.scripts.run(ADMIT, {
      userKey: keys.user(prefix, sub),
      revokedKey: keys.revoked(prefix, sub),
      leaseKey: keys.leases(prefix, sub, 't1'),
      dayKey: keys.day(prefix, sub, '20261201'),
      monthKey: keys.month(prefix, sub, '202612'),
      jti: 't1',
      leaseId,
      concurrency: o.concurrency ?? 10,
      leaseMs: 10_000,
      defaultDailyRequests: 0,
      defaultDailyTokens: 0,
      defaultMonthlyTokens: 0,
      dayTtl: 3600,
      monthTtl: 3600,
      refuseUnknown: false,
      accounts: list === null ? null : o.solo ? soloInputs(disabledKey, list[0]!) : pickInputs(disabledKey, list, o.r ?? 0.5),
    });
  }

  it('admits on an account with room and holds both slots', async () => {
    const list = [cand('ad-a', 1), cand('ad-b', 1)];
    const first = await admitWith('u1', 'q1', list, { r: 0 });
    expect(first).toMatchObject({ ok: true, inFlight: 1, account: 0, accountUsed: 1 });
    expect(await admitWith('u1', 'q2', list, { r: 0 })).toMatchObject({ ok: true, inFlight: 2, account: 1, accountUsed: 1 });
    expect(await r.zrange(list[0]!.leaseKey, 0, -1)).toEqual(['q1']);
    expect(await r.zrange(list[1]!.leaseKey, 0, -1)).toEqual(['q2']);
  });

  it('refuses with upstream_capacity when every account is full, counting and holding nothing', async () => {
    const list = [cand('cf-a', 1)];
    expect((await admitWith('u2', 'c1', list)).ok).toBe(true);
    const before = await r.hget(keys.day(prefix, 'u2', '20261201'), 'req');
    expect(await admitWith('u2', 'c2', list)).toEqual({ ok: false, reason: 'upstream_capacity', full: 1, disabled: 0 });
    expect(await r.hget(keys.day(prefix, 'u2', '20261201'), 'req')).toBe(before);
    expect(await r.zrange(keys.leases(prefix, 'u2', 't1'), 0, -1)).toEqual(['c1']);
  });

  it('checks the token slot before the account: a refused request takes no account slot', async () => {
    const list = [cand('tc-a', 5)];
    expect((await admitWith('u3', 'k1', list, { concurrency: 1 })).ok).toBe(true);
    expect(await admitWith('u3', 'k2', list, { concurrency: 1 })).toMatchObject({ ok: false, reason: 'concurrency' });
    expect(await r.zcard(list[0]!.leaseKey)).toBe(1);
  });

  it('skips candidates with weight 0 (not eligible for this request) and reports disabled ones', async () => {
    const list = [cand('we-a', 0, 0), cand('we-b', 0, 1)];
    for (const rnd of [0, 0.99]) expect(await admitWith('u4', `w-${rnd}`, list, { r: rnd })).toMatchObject({ ok: true, account: 1 });
    await r.hset(disabledKey, 'we-b', 'operator');
    expect(await admitWith('u4', 'w-x', list)).toEqual({ ok: false, reason: 'upstream_capacity', full: 0, disabled: 1 });
    await r.hdel(disabledKey, 'we-b');
  });

  it("the worker's guess alone: its slots in use come back; full or out of rotation, nothing is counted", async () => {
    const guess = [cand('g-a', 3)];
    const solo = { solo: true };
    const day = keys.day(prefix, 'u6', '20261201');
    expect(await admitWith('u6', 'g1', guess, solo)).toMatchObject({ ok: true, account: 0, accountUsed: 1 });
    expect(await admitWith('u6', 'g2', guess, solo)).toMatchObject({ ok: true, account: 0, accountUsed: 2 });
    expect(await admitWith('u6', 'g3', guess, solo)).toMatchObject({ ok: true, account: 0, accountUsed: 3 });
    expect(await admitWith('u6', 'g4', guess, solo)).toEqual({ ok: false, reason: 'upstream_capacity', full: 1, disabled: 0 });
    expect(await r.zrange(guess[0]!.leaseKey, 0, -1)).toEqual(['g1', 'g2', 'g3']);
    await r.hset(disabledKey, 'g-a', 'operator');
    await r.zrem(guess[0]!.leaseKey, 'g1');
    expect(await admitWith('u6', 'g5', guess, solo)).toEqual({ ok: false, reason: 'upstream_capacity', full: 0, disabled: 1 });
    await r.hdel(disabledKey, 'g-a');
    expect(await r.hget(day, 'req')).toBe('3');
    expect((await r.zrange(keys.leases(prefix, 'u6', 't1'), 0, -1)).sort()).toEqual(['g1', 'g2', 'g3']);
  });

  it("the worker's guess alone on an uncapped account takes no slot, and a dead lease is swept when it looks full", async () => {
    const free = [cand('g-free', 0)];
    expect(await admitWith('u7', 'h1', free, { solo: true })).toMatchObject({ ok: true, account: 0, accountUsed: 0 });
    expect(await r.exists(free[0]!.leaseKey)).toBe(0);
    const one = [cand('g-one', 1)];
    await r.zadd(one[0]!.leaseKey, 1, 'dead'); // expired long ago on the Redis clock
    expect(await admitWith('u7', 'h2', one, { solo: true })).toMatchObject({ ok: true, account: 0, accountUsed: 1 });
    expect(await r.zrange(one[0]!.leaseKey, 0, -1)).toEqual(['h2']);
  });

  it('without accounts it is the admission it always was', async () => {
    expect(await admitWith('u5', 'n1', null)).toEqual({ ok: true, usageRatio: 0, inFlight: 1, account: -1, accountUsed: 0 });
  });
});
