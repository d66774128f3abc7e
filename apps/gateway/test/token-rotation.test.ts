// Rotating a token through the service layer (as the CLI, console and API do) against a real
// gateway and its recorder: at once (the old token refused on its next request), with a grace
// period (the old token served until it ends, then refused within the recorder's sweep), and as an
// edit (the new token carries the new claims: concurrency and models enforced by the gateway).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { loadConfig } from '@dsp/config';
import { createPool, createServices, type Pool, type Services } from '@dsp/db';
import { chatBody, startGateway, waitFor, type Gateway } from './harness.js';
import { errorOf, post } from './util.js';

describe('token rotation', () => {
  let gw: Gateway;
  let pool: Pool;
  let redis: Redis;
  let services: Services;
  const status = async (token: string, body: Record<string, unknown> = {}) => {
    const r = await post(`${gw.url}/v1/chat/completions`, token, chatBody(body));
    if (r.status === 200) {
      await r.text();
      return { status: 200, code: null };
    }
    return { status: r.status, code: (await errorOf(r)).code };
  };

  beforeAll(async () => {
    gw = await startGateway({ workers: 1, config: { auth: { unknown_users: 'reject' } } });
    const { config } = loadConfig({ argv: ['--config', gw.configFile], env: {}, cwd: gw.keys.dir });
    pool = createPool(config.database, { max: 2 });
    redis = new Redis(config.redis.url);
    services = createServices({ pool, redis, config, actor: 'test:rotation' });
    await services.users.create({ id: 'rot-user' });
  }, 120_000);
  afterAll(async () => {
    await pool?.end();
    redis?.disconnect();
    expect(await gw.stop()).toBe(0);
  });

  it('without grace: the new token works and the old one is refused on its next request', async () => {
    const old = await services.tokens.issue('rot-user', { name: 'now' });
    expect((await status(old.token)).status).toBe(200);
    const r = await services.tokens.rotate(old.record.id);
    expect(r.replaced.status).toBe('revoked');
    expect(r.record.name).toBe('now');
    expect(await status(old.token)).toEqual({ status: 401, code: 'invalid_token' });
    expect((await status(r.token)).status).toBe(200);
  });

  it('with grace: both work until the grace ends, then the old one is refused and the retirement audited', async () => {
    const old = await services.tokens.issue('rot-user', { name: 'graceful' });
    const r = await services.tokens.rotate(old.record.id, { grace: '3s' });
    expect(r.replaced.status).toBe('active');
    expect(r.replaced.retireAt!.getTime()).toBeGreaterThan(Date.now() + 1000);
    expect(r.record.name).toBe('graceful'); // the retiring token gave up its name
    expect((await status(old.token)).status).toBe(200);
    expect((await status(r.token)).status).toBe(200);
    // rotating it again during its grace is refused: the replacement exists already
    await expect(services.tokens.rotate(old.record.id)).rejects.toMatchObject({ code: 'conflict' });
    const started = Date.now();
    await waitFor(async () => (await status(old.token)).status === 401, 15_000);
    const waited = Date.now() - started;
    expect(await status(old.token)).toEqual({ status: 401, code: 'invalid_token' });
    expect((await status(r.token)).status).toBe(200);
    expect((await services.tokens.get(old.record.id)).status).toBe('revoked');
    const audit = await pool.query<{ actor: string }>("SELECT actor FROM audit_log WHERE action = 'token.retire' AND target = $1", [old.record.id]);
    expect(audit.rows).toEqual([{ actor: 'system' }]);
    console.log(`[measured] old token refused ${waited} ms after the rotation (grace 3 s, sweep every 2 s)`);
  }, 30_000);

  it('as an edit: the new token carries the new concurrency and models, enforced by the gateway', async () => {
    const old = await services.tokens.issue('rot-user', { name: 'edited', models: ['deepseek-chat'] });
    expect((await status(old.token, { model: 'deepseek-reasoner' })).status).toBe(403);
    const r = await services.tokens.rotate(old.record.id, { models: ['deepseek-chat', 'deepseek-reasoner'], concurrency: 1, expiresIn: '2h' });
    expect(r.record).toMatchObject({ concurrency: 1, models: ['deepseek-chat', 'deepseek-reasoner'] });
    expect(r.record.expiresAt!.getTime() - Date.now()).toBeGreaterThan(7000_000);
    expect((await status(r.token, { model: 'deepseek-reasoner' })).status).toBe(200);
    // concurrency 1: a second request while a slow stream holds the slot is refused
    const slow = post(`${gw.url}/v1/chat/completions`, r.token, chatBody({ stream: true, mock: { chunks: 8, chunkDelayMs: 60 } }));
    await new Promise((res) => setTimeout(res, 100));
    expect(await status(r.token)).toEqual({ status: 429, code: 'concurrency_limit_exceeded' });
    await (await slow).text();
  });

  it('refuses a bad grace, concurrency or model list with a clear message and changes nothing', async () => {
    const t = await services.tokens.issue('rot-user', { name: 'kept' });
    await expect(services.tokens.rotate(t.record.id, { grace: '45d' })).rejects.toThrow(/grace must be at most 30 days/);
    await expect(services.tokens.rotate(t.record.id, { grace: 'soon' })).rejects.toThrow(/invalid duration/);
    await expect(services.tokens.rotate(t.record.id, { concurrency: 0 })).rejects.toThrow(/concurrency must be an integer/);
    await expect(services.tokens.rotate(t.record.id, { models: [] })).rejects.toThrow(/models must name at least one model/);
    expect((await services.tokens.get(t.record.id)).status).toBe('active');
    expect((await services.tokens.list('rot-user')).filter((x) => x.name === 'kept')).toHaveLength(1);
  });
});
