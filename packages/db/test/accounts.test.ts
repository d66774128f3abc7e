// The accounts service on a real Postgres and Redis: listing (keys masked), operator disable /
// enable in the hash the admission script reads, audit rows, and the reload broadcast.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { defaultConfig } from '@dsp/config';
import { keys } from '@dsp/core';
import { accountsReloadChannel, createServices, isServiceError, type Services } from '../src/index.js';
import { REDIS_URL, setup, type Env } from './helpers.js';

let env: Env;
let svc: Services;
beforeAll(async () => {
  env = await setup();
  const deepseek = {
    ...defaultConfig().deepseek,
    accounts: [
      { ...account('main'), api_key: 'sk-main-000000001234', max_concurrency: 5 },
      { ...account('spare'), api_key: 'sk-spare-00000000abcd', base_url: 'http://127.0.0.1:9', enabled: false },
    ],
  };
  svc = createServices({ pool: env.pool, redis: env.redis, config: { ...env.config, deepseek }, actor: 'admin:root' });
});
afterAll(async () => {
  await env.close();
});

function account(name: string) {
  return { name, api_key: '', api_key_file: '', base_url: '', max_concurrency: 0, weight: 1, models: [] as string[], low_balance: 0, enabled: true };
}

describe('accounts service', () => {
  it('lists the configured accounts with masked keys and the slots they hold', async () => {
    await env.redis.zadd(keys.accountLeases(env.prefix, 'main'), Date.now() + 60_000, 'r1', Date.now() - 1, 'expired');
    const list = await svc.accounts.list();
    expect(list.map((a) => [a.name, a.key, a.baseUrl, a.configured, a.disabled, a.slotsHeld])).toEqual([
      ['main', 'sk-…1234', 'https://api.deepseek.com', true, null, 1],
      ['spare', 'sk-…abcd', 'http://127.0.0.1:9', false, null, null],
    ]);
    expect(JSON.stringify(list)).not.toContain('sk-main-000000001234');
  });

  it('disables and enables an account in Redis, audited', async () => {
    const off = await svc.accounts.disable('main');
    expect(off.disabled).toMatchObject({ reason: 'operator' });
    expect(await env.redis.hget(keys.accountsDisabled(env.prefix), 'main')).toMatch(/^operator \d+$/);
    const on = await svc.accounts.enable('main');
    expect(on.disabled).toBeNull();
    expect(await env.redis.hexists(keys.accountsDisabled(env.prefix), 'main')).toBe(0);
    const audit = await svc.audit.list({ target: 'main' });
    expect(audit.rows.map((r) => [r.actor, r.action])).toEqual([
      ['admin:root', 'account.enable'],
      ['admin:root', 'account.disable'],
    ]);
  });

  it('refuses an account that is not configured', async () => {
    const e = await svc.accounts.disable('nope').catch((x: unknown) => x);
    expect(isServiceError(e) && e.code).toBe('not_found');
  });

  it('broadcasts a reload to the gateway hosts listening, audited', async () => {
    const sub = new Redis(REDIS_URL);
    const got = new Promise<string>((resolve) => sub.on('message', (ch) => resolve(ch)));
    await sub.subscribe(accountsReloadChannel(env.prefix));
    expect(await svc.accounts.reload()).toBe(1);
    expect(await got).toBe(accountsReloadChannel(env.prefix));
    sub.disconnect();
    expect((await svc.audit.list({ action: 'account.reload' })).rows).toHaveLength(1);
  });

  it('lists nothing when the services have no [deepseek] settings (the CLI without a config)', async () => {
    expect(await env.services.accounts.list()).toEqual([]);
  });
});
