// Redis is a cache of Postgres: after it loses everything, `dsp sync` (by hand) or the gateway
// primary (by itself, when the sync marker is missing after a Redis restart) rebuilds revocations,
// user status, limits and today's counters. Runs on a private redis-server: the shared one on 6379
// is never flushed.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { loadConfig } from '@dsp/config';
import { keys } from '@dsp/core';
import { createPool, createServices, type Pool, type Services } from '@dsp/db';
import { REPO, chatBody, startGateway, waitFor, type Gateway } from './harness.js';
import { errorOf, post } from './util.js';
import { ledgerRows, startPrivateRedis, type PrivateRedis } from './accounting-lib.js';

const exec = promisify(execFile);
const CLI = join(REPO, 'apps/cli/dist/main.js');

describe('accounting: Redis state rebuilt from Postgres', () => {
  let redisServer: PrivateRedis;
  let gw: Gateway;
  let pool: Pool;
  let redis: Redis;
  let services: Services;
  const tokens: Record<'revoked' | 'alice' | 'bob', string> = { revoked: '', alice: '', bob: '' };
  let stopped = false;

  beforeAll(async () => {
    redisServer = await startPrivateRedis();
    gw = await startGateway({ workers: 2, config: { redis: { url: redisServer.url }, log: { level: 'info' } } });
    const { config } = loadConfig({ argv: ['--config', gw.configFile], env: {}, cwd: gw.keys.dir });
    pool = createPool(config.database, { max: 2 });
    redis = new Redis(redisServer.url, { maxRetriesPerRequest: 1 });
    redis.on('error', () => {});
    services = createServices({ pool, redis, config, actor: 'test:sync' });
    await services.users.create({ id: 'alice', quotas: { dailyRequests: 3 } });
    await services.users.create({ id: 'bob' });
    const revoked = await services.tokens.issue('alice', { name: 'old' });
    tokens.revoked = revoked.token;
    tokens.alice = (await services.tokens.issue('alice', { name: 'current' })).token;
    tokens.bob = (await services.tokens.issue('bob')).token;
    await services.tokens.revoke(revoked.record.id);
    await services.users.disable('bob');
  }, 60_000);

  afterAll(async () => {
    await pool?.end();
    redis?.disconnect();
    if (gw && !stopped) await gw.stop();
    await redisServer?.stop();
  });

  const ask = (token: string) => post(`${gw.url}/v1/chat/completions`, token, chatBody());
  const statusOf = async (token: string) => {
    const r = await ask(token);
    if (r.status === 200) {
      await r.arrayBuffer();
      return { status: 200, code: '' };
    }
    const e = await errorOf(r);
    return { status: e.status, code: e.code };
  };
  const aliceRows = async () => (await ledgerRows(gw.databaseUrl)).filter((r) => r.user_id === 'alice').length;
  const REVOKED = { status: 401, code: 'invalid_token' };
  const DISABLED = { status: 403, code: 'user_disabled' };
  const OK = { status: 200, code: '' };
  const QUOTA = { status: 429, code: 'quota_exceeded' };

  it('before: the revoked token, the disabled user and the limit are enforced', async () => {
    expect(await statusOf(tokens.revoked)).toEqual(REVOKED);
    expect(await statusOf(tokens.bob)).toEqual(DISABLED);
    expect(await statusOf(tokens.alice)).toEqual(OK);
    expect(await statusOf(tokens.alice)).toEqual(OK);
    // alice's two requests are in the ledger before Redis loses its state
    await waitFor(async () => (await aliceRows()) === 2, 20_000);
  });

  it('`dsp sync` after FLUSHDB restores revocations, user status, limits and counters', async () => {
    await redis.flushdb(); // the private server: nothing else lives there
    expect(await redis.dbsize()).toBe(0);
    // the state is gone: the disabled user gets through (proof that the flush mattered)
    expect(await statusOf(tokens.bob)).toEqual(OK);
    const { stdout } = await exec(process.execPath, [CLI, 'sync', '--config', gw.configFile], {
      cwd: gw.keys.dir,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      timeout: 30_000,
    });
    expect(stdout).not.toBe('');
    expect(await redis.exists(keys.syncMarker(gw.prefix))).toBe(1);
    expect(await statusOf(tokens.revoked)).toEqual(REVOKED);
    expect(await statusOf(tokens.bob)).toEqual(DISABLED);
    // alice's day counter came back from the ledger (2 of 3): one more, then the limit
    expect(await statusOf(tokens.alice)).toEqual(OK);
    expect(await statusOf(tokens.alice)).toEqual(QUOTA);
  });

  it('after a Redis restart without the marker, the gateway primary rebuilds by itself', async () => {
    await waitFor(async () => (await aliceRows()) === 3, 20_000);
    // let the recorder write everything before Redis loses it (queued events die with Redis)
    const all = async () => (await ledgerRows(gw.databaseUrl)).length;
    await waitFor(async () => (await all()) === 4, 20_000);
    const rebuilds = () => gw.logs.filter((l) => l.includes('redis had lost its state')).length;
    const before = rebuilds();
    await redisServer.stop();
    await redisServer.start();
    await waitFor(
      async () => (await redis.exists(keys.syncMarker(gw.prefix)).catch(() => 0)) === 1,
      20_000,
      () => gw.logs.join('\n'),
    );
    await waitFor(
      () => rebuilds() > before,
      5_000,
      () => gw.logs.join('\n'),
    );
    // workers are back on Redis
    await waitFor(
      async () =>
        (await fetch(`${gw.url}/readyz`).then(
          (r) => r.status,
          () => 0,
        )) === 200,
      20_000,
    );
    expect(await statusOf(tokens.revoked)).toEqual(REVOKED);
    expect(await statusOf(tokens.bob)).toEqual(DISABLED);
    // the counter came back from the ledger: 3 of 3
    expect(await statusOf(tokens.alice)).toEqual(QUOTA);
  });

  it('right after the Redis restart the gateway still stops in time, recorder included', async () => {
    const t0 = Date.now();
    stopped = true;
    expect(await gw.stop()).toBe(0);
    // the primary SIGKILLs members still alive after shutdown_grace_seconds (10) + 10 s
    expect(gw.logs.filter((l) => l.includes('did not stop in time'))).toEqual([]);
    expect(Date.now() - t0).toBeLessThan(12_000);
  });
});
