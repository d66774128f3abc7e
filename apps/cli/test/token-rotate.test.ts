// `dsp token rotate` end to end: the real CLI against a temp database and Redis prefix. The new JWT
// alone on stdout (verifiable, carrying the new claims), the old token revoked at once or kept for
// a grace period, bad input refused with the rule in the message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keys, loadVerifyKeys, readClaims, verifyJwt, type AuthSettings } from '@dsp/core';
import { createPool, createRedis, createServices, type Pool, type RedisClient, type Services } from '@dsp/db';
import { createTempDatabase, deleteKeysWithPrefix, randomKeyPrefix, type TempDatabase } from '@dsp/db/testing';
import { REDIS_URL, runDsp, writeKeyPair } from './cli-harness.js';

let db: TempDatabase;
let dir: string;
let configFile: string;
let prefix: string;
let redis: RedisClient;
let pool: Pool;
let services: Services;
let auth: AuthSettings;
const dsp = (args: string[]) => runDsp(configFile, dir, args);

beforeAll(async () => {
  db = await createTempDatabase();
  dir = mkdtempSync(join(tmpdir(), 'dsp-cli-rotate-'));
  prefix = randomKeyPrefix();
  auth = await writeKeyPair(dir);
  configFile = join(dir, 'deepseek-proxy.toml');
  writeFileSync(
    configFile,
    [
      '[database]',
      `url = "${db.url}"`,
      '[redis]',
      `url = "${REDIS_URL}"`,
      `key_prefix = "${prefix}"`,
      '[auth]',
      'issuer = "dsp-cli-test"',
      'audience = "dsp-cli-test"',
      'algorithms = ["ES256"]',
      `public_key_file = "${auth.public_key_file}"`,
      `private_key_file = "${auth.private_key_file}"`,
      '',
    ].join('\n'),
  );
  redis = createRedis(REDIS_URL, { failFast: false });
  pool = createPool({ url: db.url });
  services = createServices({
    pool,
    redis,
    config: { redis: { key_prefix: prefix }, quota: { timezone: 'UTC', default_daily_requests: 0, default_daily_tokens: 0, default_monthly_tokens: 0 }, auth },
  });
  await services.users.create({ id: 'rot' });
});

afterAll(async () => {
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
  await pool.end();
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('dsp token rotate', () => {
  it('prints only the new JWT, with the new claims; the old token is revoked at once', async () => {
    const old = await services.tokens.issue('rot', { name: 'ci', concurrency: 2 });
    const r = await dsp(['token', 'rotate', old.record.id, '--models', 'deepseek-chat,deepseek-reasoner', '--expires', '7d']);
    expect(r.code).toBe(0);
    const jwt = r.stdout.trim();
    expect(r.stdout).toBe(jwt + '\n');
    const claims = readClaims(await verifyJwt(jwt, await loadVerifyKeys(auth), auth));
    expect(claims).toMatchObject({ sub: 'rot', concurrency: 2, models: ['deepseek-chat', 'deepseek-reasoner'] });
    expect(claims.exp! - Date.now() / 1000).toBeGreaterThan(6.9 * 86_400);
    expect(r.stderr).toContain('the old token is revoked');
    expect(await redis.sismember(keys.revoked(prefix, 'rot'), old.record.id)).toBe(1);
    expect((await services.tokens.get(claims.jti)).name).toBe('ci');
  });

  it('--grace keeps the old token working until then; the list says when it retires', async () => {
    const old = await services.tokens.issue('rot', { name: 'laptop' });
    const r = await dsp(['token', 'rotate', old.record.id, '--grace', '2h', '--concurrency', '5']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/the old token keeps working until \d{4}-/);
    expect(await redis.sismember(keys.revoked(prefix, 'rot'), old.record.id)).toBe(0);
    const list = await dsp(['token', 'list', 'rot']);
    expect(list.stdout.split('\n').find((l) => l.startsWith(old.record.id))).toMatch(/retires /);
    const again = await dsp(['token', 'rotate', old.record.id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('was already rotated');
  });

  it('refuses bad values with the rule, and changes nothing', async () => {
    const t = await services.tokens.issue('rot', { name: 'kept' });
    for (const [args, msg] of [
      [['--grace', '60d'], 'grace must be at most 30 days'],
      [['--concurrency', 'lots'], '--concurrency must be an integer >= 1 or "default"'],
      [['--expires', 'tomorrow'], 'invalid duration'],
    ] as const) {
      const r = await dsp(['token', 'rotate', t.record.id, ...args]);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr).toContain(msg);
    }
    expect((await services.tokens.get(t.record.id)).status).toBe('active');
    expect((await dsp(['token', 'rotate', 'no-such-token'])).stderr).toContain('does not exist');
  });
});
