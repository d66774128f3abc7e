// `dsp user update | delete | restore` and `user list --label / --deleted`, end to end against a
// temp database and Redis prefix.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '@dsp/core';
import type { RedisClient, Services } from '@dsp/db';
import { cliEnv, type CliEnv } from './cli-harness.js';

let env: CliEnv;
let prefix: string;
let redis: RedisClient;
let services: Services;
const dsp = (args: string[]) => env.dsp(args);

beforeAll(async () => {
  env = await cliEnv({ name: 'profile', auth: true });
  ({ prefix, redis, services } = env);
  await services.users.create({ id: 'ana' });
  await services.users.create({ id: 'bo' });
});

afterAll(() => env.close());

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
