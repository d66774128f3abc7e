// The hot path's script client against real redis-servers: the shared one for results, a private
// one to flush its script cache, stop it, freeze it and give it a password.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { ScriptClient } from '../src/redis/script-client.js';
import { defineScripts, type GatewayRedis } from '../src/redis.js';
import { cleanPrefix, randomPrefix, waitFor } from './harness.js';
import { startPrivateRedis, type PrivateRedis } from './private-redis.js';

const SHARED = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function client(url: string, timeoutMs = 1000) {
  const states: boolean[] = [];
  const c = new ScriptClient({ url, timeoutMs, onState: (ready) => states.push(ready) });
  return { c, states, ready: () => waitFor(() => c.status === 'ready', 5000) };
}

/** admit arguments for user u, lease id, concurrency 1 */
const admitArgs = (p: string, u: string, lease: string) =>
  [
    `${p}{u:${u}}:user`,
    `${p}{u:${u}}:revoked`,
    `${p}{u:${u}}:lease:t`,
    `${p}{u:${u}}:d:1`,
    `${p}{u:${u}}:m:1`,
    'jti',
    lease,
    1,
    5000,
    0,
    0,
    0,
    60,
    60,
  ] as const;
const finishArgs = (p: string, u: string, lease: string, tokens: number) =>
  [`${p}{u:${u}}:lease:t`, `${p}{u:${u}}:d:1`, `${p}{u:${u}}:m:1`, `${p}outbox`, lease, tokens, 60, 60, '0', '0', 't', `{"request_id":"${lease}"}`] as const;

describe('script client on the shared Redis', () => {
  const prefix = randomPrefix();
  let io: GatewayRedis;
  beforeAll(() => {
    io = new Redis(SHARED) as GatewayRedis;
    defineScripts(io);
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
        ['io', io],
      ] as const) {
        const p = `${prefix}${who}:`;
        const first = await run.dspAdmitV2(...admitArgs(p, 'a', 'l1'));
        const second = await run.dspAdmitV2(...admitArgs(p, 'a', 'l2')); // concurrency 1: refused
        const released = await run.dspFinishV4(...finishArgs(p, 'a', 'l1', 42));
        const again = await run.dspFinishV4(...finishArgs(p, 'a', 'l1', 42)); // lease gone
        const renew = await run.dspRenewV1(`${p}{u:a}:lease:t`, 'nope', 5000);
        expect({ first, second, released, again, renew }).toEqual({ first: [1, 0, 1, 0], second: [-6, 1], released: 1, again: 0, renew: 0 });
        expect(await io.hget(`${p}{u:a}:d:1`, 'tok')).toBe('84');
        expect(await io.lrange(`${p}outbox`, 0, -1)).toEqual(['{"request_id":"l1"}', '{"request_id":"l1"}']);
      }
    } finally {
      c.disconnect();
    }
  });

  it('keeps replies matched to their calls when hundreds are in flight at once', async () => {
    const { c, ready } = client(SHARED);
    await ready();
    try {
      const p = `${prefix}many:`;
      const results = await Promise.all(Array.from({ length: 500 }, (_, i) => c.dspRenewV1(`${p}{u:${i}}:lease:t`, `l${i}`, 5000).then((r) => [i, r])));
      expect(results.every(([, r]) => r === 0)).toBe(true);
      // admits on distinct users: each gets in-flight 1 and its own lease
      const admitted = await Promise.all(Array.from({ length: 300 }, (_, i) => c.dspAdmitV2(...admitArgs(p, String(i), `l${i}`))));
      expect(admitted.every((r) => r[0] === 1 && r[2] === 1)).toBe(true);
      const scores = await Promise.all(Array.from({ length: 300 }, (_, i) => io.zscore(`${p}{u:${i}}:lease:t`, `l${i}`)));
      expect(scores.every((s) => s !== null)).toBe(true);
    } finally {
      c.disconnect();
    }
  });

  it('fails at once while not connected (no offline queue) and rejects script errors', async () => {
    const { c } = client('redis://127.0.0.1:1'); // nothing listens on port 1
    const t0 = performance.now();
    await expect(c.dspAdmitV2(...admitArgs(prefix, 'x', 'l'))).rejects.toThrow(/not connected/);
    expect(performance.now() - t0).toBeLessThan(50);
    c.disconnect();
    const ok = client(SHARED);
    await ok.ready();
    // a non-numeric argument makes the Lua script raise: the call rejects, the connection stays usable
    const args: (string | number)[] = [...admitArgs(prefix, 'e', 'l')];
    args[7] = 'not-a-number'; // concurrency
    await expect(ok.c.dspAdmitV2(...args)).rejects.toThrow(/ERR/);
    expect(await ok.c.dspRenewV1(`${prefix}{u:e}:lease:t`, 'l', 5000)).toBe(0);
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
      expect(await c.dspRenewV1(`${prefix}{u:f}:lease:t`, 'l', 5000)).toBe(0);
      expect(cli('SCRIPT', 'FLUSH')).toBe('OK');
      expect(await c.dspAdmitV2(...admitArgs(prefix, 'f', 'l1'))).toEqual([1, 0, 1, 0]);
      // EVAL cached the script again: EVALSHA works without another fallback
      expect(await c.dspFinishV4(...finishArgs(prefix, 'f', 'l1', 5))).toBe(1);
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
      const inFlight = c.dspRenewV1(`${prefix}{u:d}:lease:t`, 'l', 5000);
      await new Promise((r) => setTimeout(r, 50));
      process.kill(frozen, 'SIGKILL'); // the server dies with our call unanswered
      await expect(inFlight).rejects.toThrow(/connection lost/);
      await waitFor(() => states.includes(false), 5000);
      await expect(c.dspRenewV1(`${prefix}{u:d}:lease:t`, 'l', 5000)).rejects.toThrow(/not connected/);
      await redis.start();
      await ready();
      expect(states).toEqual([true, false, true]);
      expect(await c.dspRenewV1(`${prefix}{u:d}:lease:t`, 'l', 5000)).toBe(0);
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
      const err = await c.dspRenewV1(`${prefix}{u:h}:lease:t`, 'l', 5000).then(
        () => null,
        (e: Error) => e,
      );
      const waited = performance.now() - t0;
      expect(err?.message).toMatch(/timed out after 200 ms/);
      expect(waited).toBeGreaterThanOrEqual(195);
      expect(waited).toBeLessThan(600);
      process.kill(frozen, 'SIGCONT');
      // the late reply to the timed-out call is skipped; the next call gets its own answer
      expect(await c.dspAdmitV2(...admitArgs(prefix, 'h', 'l1'))).toEqual([1, 0, 1, 0]);
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
      expect(await good.c.dspAdmitV2(...admitArgs(prefix, 'db', 'l1'))).toEqual([1, 0, 1, 0]);
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
