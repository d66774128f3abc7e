// Postgres is the source of truth: when Redis is unreachable a mutation is still saved, and the
// caller gets `redis_unavailable` telling it to run sync; a later sync repairs Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '@dsp/core';
import { createRedis, createServices, type Services } from '../src/index.js';
import { rejectsWithCode, setup, type Env, userHash } from './helpers.js';

let env: Env;
let down: Services;
let deadRedis: ReturnType<typeof createRedis>;

beforeAll(async () => {
  env = await setup();
  deadRedis = createRedis('redis://127.0.0.1:1'); // nothing listens on port 1
  down = createServices({ pool: env.pool, redis: deadRedis, config: env.config, actor: 'test:down' });
});
afterAll(async () => {
  deadRedis.disconnect();
  await env.close();
});

describe('with Redis unreachable', () => {
  it('saves to Postgres first, then reports redis_unavailable', async () => {
    await rejectsWithCode(down.users.create({ id: 'dora' }), 'redis_unavailable', /created in Postgres.*dsp sync/);
    const u = await env.services.users.get('dora');
    expect(u.status).toBe('active');
    await rejectsWithCode(down.users.disable('dora'), 'redis_unavailable');
    expect((await env.services.users.get('dora')).status).toBe('disabled');
    await env.services.users.enable('dora');
    const { record } = await down.tokens.issue('dora'); // issuing needs no Redis
    await rejectsWithCode(down.tokens.revoke(record.id), 'redis_unavailable', /revoked in Postgres/);
    expect((await env.services.tokens.get(record.id)).status).toBe('revoked');
    expect(await env.redis.sismember(keys.revoked(env.prefix, 'dora'), record.id)).toBe(0);
    await rejectsWithCode(down.users.setQuota('dora', { dailyRequests: 3 }), 'redis_unavailable');
    await rejectsWithCode(down.sync(), 'redis_unavailable');
    await rejectsWithCode(down.syncIfMarkerMissing(), 'redis_unavailable');

    // once Redis is back, sync repairs everything
    await env.services.sync();
    expect(await env.redis.sismember(keys.revoked(env.prefix, 'dora'), record.id)).toBe(1);
    expect(await userHash(env.redis, keys.user(env.prefix, 'dora'))).toEqual({ status: 'active', daily_requests: '3' });
  });

  it('lists users without usage and says why', async () => {
    const r = await down.users.list();
    expect(r.total).toBe(1);
    expect(r.rows[0]!.usage).toBeNull();
    expect(r.usageError).toMatch(/Redis counters unavailable/);
    // reports from Postgres alone still work
    expect((await down.usage.forUser('dora')).totals.requests).toBe(0);
  });
});
