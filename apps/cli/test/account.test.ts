// `dsp account …` end to end: the real CLI against a temp database and a random Redis prefix, with
// three upstream accounts in its config. Keys never printed, rotation state written where the
// gateways read it (the `{acct}:disabled` hash), every change audited, the reload published on the
// channel gateway primaries listen on, unknown names refused with a clear message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { userInfo } from 'node:os';
import { keys } from '@dsp/core';
import { createRedis, type Pool, type RedisClient } from '@dsp/db';
import { MAIN, REDIS_URL, cliEnv, type CliEnv } from './cli-harness.js';

const KEYS = { main: 'sk-main-000000000000000a1b2', spare: 'sk-spare-00000000000000c3d4', night: 'sk-night-00000000000000e5f6' };

let env: CliEnv;
let dir: string;
let configFile: string;
let prefix: string;
let redis: RedisClient;
let pool: Pool;
const dsp = (args: string[]) => env.dsp(args);

beforeAll(async () => {
  env = await cliEnv({
    name: 'account',
    toml: [
      '[deepseek]',
      'base_url = "http://127.0.0.1:9/v1"',
      '[[deepseek.accounts]]',
      'name = "main"',
      `api_key = "${KEYS.main}"`,
      'max_concurrency = 500',
      '[[deepseek.accounts]]',
      'name = "spare"',
      `api_key = "${KEYS.spare}"`,
      'models = ["deepseek-v4-flash"]',
      '[[deepseek.accounts]]',
      'name = "night"',
      `api_key = "${KEYS.night}"`,
      'enabled = false',
    ],
  });
  ({ dir, configFile, prefix, redis, pool } = env);
});

afterAll(() => env.close());

describe('dsp account', () => {
  it('lists every configured account with its key masked, its cap, models and state', async () => {
    // two slots held on main, one of them expired (a killed worker's): only the live one counts
    const leases = keys.accountLeases(prefix, 'main');
    await redis.zadd(leases, Date.now() + 60_000, 'lease-live', Date.now() - 1000, 'lease-dead');
    const r = await dsp(['account', 'list']);
    expect(r.code).toBe(0);
    for (const k of Object.values(KEYS)) {
      expect(r.stdout).not.toContain(k);
      expect(r.stdout).toContain(k.slice(-4));
    }
    const line = (name: string) => r.stdout.split('\n').find((l) => l.startsWith(name + ' '))!;
    expect(line('main')).toMatch(/1 \/ 500 .* in rotation/);
    expect(line('spare')).toMatch(/no cap .*deepseek-v4-flash .*in rotation/);
    expect(line('night')).toContain('off in the configuration');
    const asJson = JSON.parse((await dsp(['--json', 'account', 'list'])).stdout) as { name: string; slotsHeld: number | null }[];
    expect(asJson.map((a) => [a.name, a.slotsHeld])).toEqual([
      ['main', 1],
      ['spare', null],
      ['night', null],
    ]);
  });

  it('disables and enables an account where the gateways read it, audited with the OS user', async () => {
    const disabledKey = keys.accountsDisabled(prefix);
    const off = await dsp(['account', 'disable', 'spare']);
    expect(off.code).toBe(0);
    expect(off.stdout).toMatch(/^account "spare": disabled \(operator\) since \d{4}-/);
    expect(await redis.hget(disabledKey, 'spare')).toMatch(/^operator \d+$/);
    expect((await dsp(['account', 'list'])).stdout).toMatch(/spare .*disabled \(operator\)/);
    const on = await dsp(['account', 'enable', 'spare']);
    expect(on.stdout).toBe('account "spare": in rotation\n');
    expect(await redis.hget(disabledKey, 'spare')).toBeNull();
    const audit = await pool.query<{ actor: string; action: string; target: string }>(
      "SELECT actor, action, target FROM audit_log WHERE action LIKE 'account.%' ORDER BY id",
    );
    expect(audit.rows.map((a) => [a.action, a.target])).toEqual([
      ['account.disable', 'spare'],
      ['account.enable', 'spare'],
    ]);
    expect(audit.rows[0]!.actor).toBe(`cli:${userInfo().username}`);
  });

  it('refuses an account the configuration does not name, and changes nothing', async () => {
    const r = await dsp(['account', 'disable', 'nosuch']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no upstream account named "nosuch" in the configuration');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await redis.hget(keys.accountsDisabled(prefix), 'nosuch')).toBeNull();
    const usage = await dsp(['account', 'disable']);
    expect(usage.code).toBe(2);
  });

  it('stops quietly when its reader goes away (`dsp account list | head -1`)', async () => {
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [MAIN, '--config', configFile, 'account', 'list'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.destroy(); // the reader is gone before the first write
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      child.on('close', (c) => resolve({ code: c, stderr: err }));
    });
    expect(stderr).not.toContain('EPIPE');
    expect(code).toBe(0);
  });

  it('reload is published on the channel the gateway primaries listen on', async () => {
    const sub = createRedis(REDIS_URL, { failFast: false });
    const heard: string[] = [];
    await sub.subscribe(keys.accountsReloadChannel(prefix));
    sub.on('message', (_ch: string, msg: string) => heard.push(msg));
    try {
      const r = await dsp(['account', 'reload']);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('reload sent; 1 gateway host heard it\n');
      await expect.poll(() => heard.length).toBe(1);
    } finally {
      sub.disconnect();
    }
    const none = await dsp(['account', 'reload']);
    expect(none.stdout).toContain('0 gateway hosts');
    expect(none.stderr).toContain('nothing was reloaded');
  });
});
