// The lease keeper against a real Redis, through the worker's own script client: streams keep
// their slots (the token's and the account's) past several lease times, a dropped lease expires,
// and each lease is renewed by its own age, not all at once — batched on a single Redis, one call
// each where a batch cannot go (Redis Cluster).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { keys } from '@dsp/core';
import { ScriptClient } from '../src/redis/script-client.js';
import { LeaseKeeper, RENEW_BATCH } from '../src/services/lease-keeper.js';
import type { Lease } from '../src/pipeline/types.js';
import type { Account } from '../src/accounts/account-set.js';
import { waitFor } from './harness.js';

const prefix = `dsp-test-keeper-${randomBytes(4).toString('hex')}:`;
let r: Redis;
let client: ScriptClient;

beforeAll(async () => {
  r = new Redis('redis://127.0.0.1:6379');
  client = new ScriptClient({ url: 'redis://127.0.0.1:6379', timeoutMs: 5000, onState: () => {} });
  await waitFor(() => client.status === 'ready', 5000);
});
afterAll(async () => {
  client.disconnect();
  const found = await r.keys(`${prefix}*`);
  if (found.length) await r.del(...found);
  r.disconnect();
});

const accounts = ['a', 'b'].map((name) => ({ name, leaseKey: keys.accountLeases(prefix, name) }) as unknown as Account);

/** Now on the Redis clock, in ms (what the scripts compare expiries with). */
async function redisNow(): Promise<number> {
  const [s, us] = await r.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

/** `n` leases over 10 tokens, every other one also holding an account slot, taken now for `leaseMs`. */
async function take(tag: string, n: number, leaseMs: number): Promise<Lease[]> {
  const now = await redisNow();
  const out: Lease[] = [];
  const m = r.multi();
  for (let i = 0; i < n; i++) {
    const key = keys.leases(prefix, `${tag}-u${i % 10}`, 't');
    const account = accounts[i % 2]!;
    const lease = { id: `${tag}-${i}`, key, held: true, account, accountHeld: i % 2 === 0 } as Lease;
    m.zadd(key, now + leaseMs, lease.id).pexpire(key, leaseMs);
    if (lease.accountHeld) m.zadd(account.leaseKey, now + leaseMs, lease.id);
    out.push(lease);
  }
  await m.exec();
  return out;
}

/** The leases among `list` still alive on the Redis clock (token slot, and account slot where held). */
async function alive(list: Lease[]): Promise<number> {
  const now = await redisNow();
  let n = 0;
  for (const l of list) {
    const token = Number((await r.zscore(l.key, l.id)) ?? 0) > now;
    const account = !l.accountHeld || Number((await r.zscore(l.account.leaseKey, l.id)) ?? 0) > now;
    if (token && account) n++;
  }
  return n;
}

describe('lease keeper', () => {
  for (const batch of [true, false]) {
    it(`keeps ${RENEW_BATCH * 3} streams' slots past three lease times and lets dropped ones expire (${batch ? 'batched' : 'one call each'})`, async () => {
      const leaseMs = 900;
      const keeper = new LeaseKeeper(client, leaseMs, { batch });
      const list = await take(batch ? 'b' : 'o', RENEW_BATCH * 3, leaseMs);
      for (const l of list) keeper.hold(l);
      const dropped = list.slice(0, 50);
      for (const l of dropped) keeper.drop(l);
      keeper.start();
      try {
        await sleep(3 * leaseMs);
        expect(await alive(list.slice(50))).toBe(list.length - 50);
        expect(await alive(dropped)).toBe(0);
        // a token zset keeps a TTL (renewed with its leases); an account zset has none
        expect(await r.pttl(list[60]!.key)).toBeGreaterThan(0);
        expect(await r.pttl(accounts[0]!.leaseKey)).toBe(-1);
      } finally {
        keeper.stop();
      }
    });
  }

  it('renews each lease by its own age: a lease taken later is renewed later', async () => {
    let now = 0;
    const leaseMs = 3000; // renewed once 1 s old
    const keeper = new LeaseKeeper(client, leaseMs, { batch: true, now: () => now });
    const [early, late] = await take('age', 2, leaseMs);
    keeper.hold(early!);
    now = 600;
    keeper.hold(late!);
    const before = [await r.zscore(early!.key, early!.id), await r.zscore(late!.key, late!.id)];
    await sleep(20); // the Redis clock moves: a renewed lease gets a later expiry
    now = 1000;
    await keeper.renewDue();
    expect(Number(await r.zscore(early!.key, early!.id))).toBeGreaterThan(Number(before[0]));
    expect(await r.zscore(late!.key, late!.id)).toBe(before[1]);
    expect(Number(await r.zscore(early!.account.leaseKey, early!.id))).toBeGreaterThan(Number(before[0]));
    await sleep(20);
    const renewed = await r.zscore(early!.key, early!.id);
    now = 1600;
    await keeper.renewDue();
    expect(Number(await r.zscore(late!.key, late!.id))).toBeGreaterThan(Number(before[1]));
    expect(await r.zscore(early!.key, early!.id)).toBe(renewed); // renewed at 1000: next due at 2000
    expect(keeper.size).toBe(2);
  });

  it('does not bring back a lease that expired meanwhile (its slot may be someone else’s)', async () => {
    let now = 0;
    const keeper = new LeaseKeeper(client, 300, { batch: true, now: () => now });
    const [gone] = await take('gone', 1, 50);
    keeper.hold(gone!);
    await sleep(120);
    now = 100;
    await keeper.renewDue();
    expect(await alive([gone!])).toBe(0);
  });
});
