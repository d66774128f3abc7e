// `dsp user update | delete | restore` and `user list --label / --deleted`, end to end against a
// temp database and Redis prefix.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keys } from '@dsp/core';
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
const dsp = (args: string[]) => runDsp(configFile, dir, args);

beforeAll(async () => {
  db = await createTempDatabase();
  dir = mkdtempSync(join(tmpdir(), 'dsp-cli-profile-'));
  prefix = randomKeyPrefix();
  const auth = await writeKeyPair(dir);
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
  await services.users.create({ id: 'ana' });
  await services.users.create({ id: 'bo' });
});

afterAll(async () => {
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
  await pool.end();
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('dsp user update / delete / restore', () => {
  it('sets labels and notes; list finds by label and shows them', async () => {
    const r = await dsp(['user', 'update', 'ana', '--labels', 'Team-Red,eu', '--notes', 'invoice monthly', '--name', 'Ana']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('user ana (Ana): labels eu,team-red; notes: invoice monthly\n');
    const byLabel = await dsp(['user', 'list', '--label', 'team-red']);
    expect(byLabel.stdout).toMatch(/^ana +Ana +active +eu,team-red/m);
    expect(byLabel.stdout).not.toMatch(/^bo /m);
    expect((await dsp(['user', 'list', '--search', 'red'])).stdout).toMatch(/^ana /m);
    expect((await dsp(['user', 'update', 'ana', '--labels', 'none'])).stdout).toContain('labels none');
  });

  it('refuses a bad label or an empty change with the rule', async () => {
    const bad = await dsp(['user', 'update', 'ana', '--labels', 'no spaces']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('invalid label "no spaces"');
    const empty = await dsp(['user', 'update', 'ana']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('give --name, --notes or --labels');
  });

  it('delete disables the user and revokes its tokens; list --deleted shows it; restore brings it back disabled', async () => {
    const t = await services.tokens.issue('bo');
    const del = await dsp(['user', 'delete', 'bo']);
    expect(del.code).toBe(0);
    expect(del.stdout).toContain('user bo is deleted');
    expect(await redis.sismember(keys.revoked(prefix, 'bo'), t.record.id)).toBe(1);
    expect((await dsp(['user', 'list'])).stdout).not.toMatch(/^bo /m);
    expect((await dsp(['user', 'list', '--deleted'])).stdout).toMatch(/^bo +(-|—)? *deleted/m);
    const enable = await dsp(['user', 'enable', 'bo']);
    expect(enable.code).toBe(1);
    expect(enable.stderr).toContain('restore it first');
    const restore = await dsp(['user', 'restore', 'bo']);
    expect(restore.stdout).toBe('user bo is restored and disabled (`dsp user enable bo` to serve it again)\n');
    expect((await dsp(['user', 'enable', 'bo'])).code).toBe(0);
  });
});
