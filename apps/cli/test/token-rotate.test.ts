// `dsp token rotate` end to end: the real CLI against a temp database and Redis prefix. The new JWT
// alone on stdout (verifiable, carrying the new claims), the old token revoked at once or kept for
// a grace period, bad input refused with the rule in the message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys, loadVerifyKeys, readClaims, verifyJwt, type AuthSettings } from '@dsp/core';
import type { RedisClient, Services } from '@dsp/db';
import { cliEnv, type CliEnv } from './cli-harness.js';

let env: CliEnv;
let prefix: string;
let redis: RedisClient;
let services: Services;
let auth: AuthSettings;
const dsp = (args: string[]) => env.dsp(args);

beforeAll(async () => {
  env = await cliEnv({ name: 'rotate', auth: true });
  ({ prefix, redis, services } = env);
  auth = env.auth!;
  await services.users.create({ id: 'rot' });
});

afterAll(() => env.close());

describe('dsp token rotate', () => {
  it('prints only the new JWT, with the new claims; the old token is revoked at once', async () => {
    const old = await services.tokens.issue('rot', { name: 'ci', concurrency: 2 });
    const r = await dsp(['token', 'rotate', old.record.id, '--models', 'deepseek-chat,deepseek-reasoner', '--expires', '7d']);
    expect(r.code).toBe(0);
    const jwt = r.stdout.trim();
    expect(r.stdout).toBe(jwt + '\n');
    const claims = readClaims(await verifyJwt(jwt, await loadVerifyKeys(auth), auth));
    if (typeof claims === 'string') throw new Error(`claims refused: ${claims}`);
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
