// The hot path's script client against real redis-servers: the shared one for results, a private
// one to flush its script cache, stop it, freeze it and give it a password.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { ADMIT, FINISH, RENEW, evalRunner, type AdmitInput, type FinishWithOutboxInput, type ScriptRunner } from '@dsp/core';
import { ScriptClient } from '../src/redis/script-client.js';
import { cleanPrefix, randomPrefix, waitFor } from './harness.js';
import { startPrivateRedis, type PrivateRedis } from './private-redis.js';

const SHARED = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function client(url: string, timeoutMs = 1000) {
  const states: boolean[] = [];
  const c = new ScriptClient({ url, timeoutMs, onState: (ready) => states.push(ready) });
  return { c, states, ready: () => waitFor(() => c.status === 'ready', 5000) };
}

/** admit input for user u, lease id, concurrency 1 */
const admitIn = (p: string, u: string, lease: string): AdmitInput => ({
  userKey: `${p}{u:${u}}:user`,
  revokedKey: `${p}{u:${u}}:revoked`,
  leaseKey: `${p}{u:${u}}:lease:t`,
  dayKey: `${p}{u:${u}}:d:1`,
  monthKey: `${p}{u:${u}}:m:1`,
  jti: 'jti',
  leaseId: lease,
  concurrency: 1,
  leaseMs: 5000,
  defaultDailyRequests: 0,
  defaultDailyTokens: 0,
  defaultMonthlyTokens: 0,
  dayTtl: 60,
  monthTtl: 60,
  refuseUnknown: false,
  accounts: null,
});
const finishIn = (p: string, u: string, lease: string, tokens: number): FinishWithOutboxInput => ({
  leaseKey: `${p}{u:${u}}:lease:t`,
  dayKey: `${p}{u:${u}}:d:1`,
  monthKey: `${p}{u:${u}}:m:1`,
  outboxKey: `${p}outbox`,
  accountLeaseKey: null,
  leaseId: lease,
  tokens,
  dayTtl: 60,
  monthTtl: 60,
  retry: false,
  spend: '0',
  jti: 't',
  event: `{"request_id":"${lease}"}`,
});
const renewIn = (key: string, leaseId = 'l') => ({ key, leaseId, leaseMs: 5000 });
const ADMITTED = { ok: true, usageRatio: 0, inFlight: 1, account: -1, accountUsed: 0 };

describe('script client on the shared Redis', () => {
  const prefix = randomPrefix();
  let io: Redis;
  let ioScripts: ScriptRunner;
  beforeAll(() => {
    io = new Redis(SHARED);
    ioScripts = evalRunner(io);
  });
  afterAll(async () => {
    await cleanPrefix(io, prefix);
    io.disconnect();
  });

  it('answers exactly what ioredis answers for the same script calls', async () => {
    const { c, ready } = client(SHARED);
    await ready();
    try {
      for (const [who, run] of [
        ['fast', c],
        ['io', ioScripts],
      ] as const) {
        const p = `${prefix}${who}:`;
        const first = await run.run(ADMIT, admitIn(p, 'a', 'l1'));
        const second = await run.run(ADMIT, admitIn(p, 'a', 'l2')); // concurrency 1: refused
        const released = await run.run(FINISH, finishIn(p, 'a', 'l1', 42));
        const again = await run.run(FINISH, finishIn(p, 'a', 'l1', 42)); // lease gone
        const renew = await run.run(RENEW, renewIn(`${p}{u:a}:lease:t`, 'nope'));
        expect({ first, second, released, again, renew }).toEqual({
          first: ADMITTED,
          second: { ok: false, reason: 'concurrency', inFlight: 1 },
          released: true,
          again: false,
          renew: false,
        });
        expect(await io.hget(`${p}{u:a}:d:1`, 'tok')).toBe('84');
        expect(await io.lrange(`${p}outbox`, 0, -1)).toEqual(['{"request_id":"l1"}', '{"request_id":"l1"}']);
      }
    } finally {
      c.disconnect();
    }
  });

  it('takes a reply that arrived while the event loop was blocked past the deadline, instead of timing the call out', async () => {
    const { c, ready } = client(SHARED, 100);
    await ready();
    try {
      const call = c.run(RENEW, renewIn(`${prefix}{u:blocked}:lease:t`));
      await new Promise((r) => setImmediate(r)); // the call is written
      const until = performance.now() + 400;
      while (performance.now() < until); // the worker busy for 4 deadlines; Redis answers meanwhile
      await expect(call).resolves.toBe(false);
    } finally {
      c.disconnect();
    }
  });

  it('keeps replies matched to their calls when hundreds are in flight at once', async () => {
    const { c, ready } = client(SHARED);
    await ready();
    try {
      const p = `${prefix}many:`;
      const results = await Promise.all(Array.from({ length: 500 }, (_, i) => c.run(RENEW, renewIn(`${p}{u:${i}}:lease:t`, `l${i}`)).then((r) => [i, r])));
      expect(results.every(([, r]) => r === false)).toBe(true);
      // admits on distinct users: each gets in-flight 1 and its own lease
      const admitted = await Promise.all(Array.from({ length: 300 }, (_, i) => c.run(ADMIT, admitIn(p, String(i), `l${i}`))));
      expect(admitted.every((r) => r.ok && r.inFlight === 1)).toBe(true);
      const scores = await Promise.all(Array.from({ length: 300 }, (_, i) => io.zscore(`${p}{u:${i}}:lease:t`, `l${i}`)));
      expect(scores.every((s) => s !== null)).toBe(true);
    } finally {
      c.disconnect();
    }
  });

  it('fails at once while not connected (no offline queue) and rejects script errors', async () => {
    const { c } = client('redis://127.0.0.1:1'); // nothing listens on port 1
    const t0 = performance.now();
    await expect(c.run(ADMIT, admitIn(prefix, 'x', 'l'))).rejects.toThrow(/not connected/);
    expect(performance.now() - t0).toBeLessThan(50);
    c.disconnect();
    const ok = client(SHARED);
    await ok.ready();
    // a non-numeric argument makes the Lua script raise: the call rejects, the connection stays usable
    const bad = { ...admitIn(prefix, 'e', 'l'), concurrency: 'not-a-number' as unknown as number };
    await expect(ok.c.run(ADMIT, bad)).rejects.toThrow(/ERR/);
    expect(await ok.c.run(RENEW, renewIn(`${prefix}{u:e}:lease:t`))).toBe(false);
    ok.c.disconnect();
  });
});

describe('script client on a private Redis', () => {
  let redis: PrivateRedis;
  const prefix = randomPrefix();
  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  afterAll(async () => {
    await redis.destroy();
  });
  const cli = (...args: string[]) => execFileSync('redis-cli', ['-p', String(redis.port), ...args], { encoding: 'utf8' }).trim();
  const pid = () => Number(readFileSync(join(redis.dir, 'redis.pid'), 'utf8'));

  it('falls back to EVAL when Redis lost its scripts (SCRIPT FLUSH)', async () => {
    const { c, ready } = client(redis.url);
    await ready();
    try {
      expect(await c.run(RENEW, renewIn(`${prefix}{u:f}:lease:t`))).toBe(false);
      expect(cli('SCRIPT', 'FLUSH')).toBe('OK');
      expect(await c.run(ADMIT, admitIn(prefix, 'f', 'l1'))).toEqual(ADMITTED);
      // EVAL cached the script again: EVALSHA works without another fallback
      expect(await c.run(FINISH, finishIn(prefix, 'f', 'l1', 5))).toBe(true);
    } finally {
      c.disconnect();
    }
  });

  it('rejects what is in flight when the connection drops, reports the state, and reconnects', async () => {
    const { c, ready, states } = client(redis.url);
    await ready();
    try {
      const frozen = pid();
      process.kill(frozen, 'SIGSTOP');
      const inFlight = c.run(RENEW, renewIn(`${prefix}{u:d}:lease:t`));
      await new Promise((r) => setTimeout(r, 50));
      process.kill(frozen, 'SIGKILL'); // the server dies with our call unanswered
      await expect(inFlight).rejects.toThrow(/connection lost/);
      await waitFor(() => states.includes(false), 5000);
      await expect(c.run(RENEW, renewIn(`${prefix}{u:d}:lease:t`))).rejects.toThrow(/not connected/);
      await redis.start();
      await ready();
      expect(states).toEqual([true, false, true]);
      expect(await c.run(RENEW, renewIn(`${prefix}{u:d}:lease:t`))).toBe(false);
    } finally {
      c.disconnect();
    }
  });

  it('gives each call its deadline while Redis hangs, then serves again when it answers', async () => {
    const { c, ready } = client(redis.url, 200);
    await ready();
    const frozen = pid();
    try {
      process.kill(frozen, 'SIGSTOP');
      const t0 = performance.now();
      const err = await c.run(RENEW, renewIn(`${prefix}{u:h}:lease:t`)).then(
        () => null,
        (e: Error) => e,
      );
      const waited = performance.now() - t0;
      expect(err?.message).toMatch(/timed out after 200 ms/);
      expect(waited).toBeGreaterThanOrEqual(195);
      expect(waited).toBeLessThan(600);
      process.kill(frozen, 'SIGCONT');
      // the late reply to the timed-out call is skipped; the next call gets its own answer
      expect(await c.run(ADMIT, admitIn(prefix, 'h', 'l1'))).toEqual(ADMITTED);
    } finally {
      process.kill(frozen, 'SIGCONT');
      c.disconnect();
    }
  });

  it('authenticates and selects the database from the URL; a wrong password never becomes ready', async () => {
    cli('CONFIG', 'SET', 'requirepass', 's3cret');
    const auth = (...args: string[]) =>
      execFileSync('redis-cli', ['-p', String(redis.port), '-a', 's3cret', '--no-auth-warning', ...args], { encoding: 'utf8' }).trim();
    try {
      const good = client(`redis://:s3cret@127.0.0.1:${redis.port}/3`);
      await good.ready();
      expect(await good.c.run(ADMIT, admitIn(prefix, 'db', 'l1'))).toEqual(ADMITTED);
      expect(auth('-n', '3', 'ZCARD', `${prefix}{u:db}:lease:t`)).toBe('1');
      expect(auth('-n', '0', 'EXISTS', `${prefix}{u:db}:lease:t`)).toBe('0');
      good.c.disconnect();
      const bad = client(`redis://:wrong@127.0.0.1:${redis.port}`);
      await new Promise((r) => setTimeout(r, 500));
      expect(bad.c.status).toBe('connecting');
      expect(bad.states).not.toContain(true);
      bad.c.disconnect();
    } finally {
      auth('CONFIG', 'SET', 'requirepass', '');
    }
  });
});
