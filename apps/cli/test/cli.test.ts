// End to end: spawn `node apps/cli/dist/main.js` against a temp database, a random Redis prefix
// and a fresh ES256 key pair, and check exit codes, stdout / stderr and the state left behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes, randomUUID } from 'node:crypto';
import { generateKeyPairPem, keys, loadVerifyKeys, periodAt, readClaims, verifyJwt, type AuthSettings } from '@dsp/core';
import { createPool, createRedis, createServices, insertUsageEvents, maintenanceUrl, type Pool, type RedisClient, type Services } from '@dsp/db';
import { createTempDatabase, deleteKeysWithPrefix, dropDatabase, randomKeyPrefix, TEST_SERVER_URL, type TempDatabase } from '@dsp/db/testing';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const REDIS_URL = process.env.DSP_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let db: TempDatabase;
let dir: string;
let configFile: string;
let prefix: string;
let redis: RedisClient;
let pool: Pool;
let services: Services;
let auth: AuthSettings;
const extraDbs: string[] = [];

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function dsp(args: string[], opts: { env?: Record<string, string | undefined>; input?: string; config?: string | null } = {}): Promise<Result> {
  const cfg = opts.config === undefined ? ['--config', configFile] : opts.config === null ? [] : ['--config', opts.config];
  const env: Record<string, string | undefined> = {
    ...process.env,
    DSP_CONFIG: undefined,
    DSP_ADMIN_PASSWORD: undefined,
    DATABASE_URL: undefined,
    REDIS_URL: undefined,
    ...opts.env,
  };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...cfg, ...args], { cwd: dir, env: env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

function toml(dbUrl: string, redisUrl = REDIS_URL): string {
  return [
    '[database]',
    `url = "${dbUrl}"`,
    '[redis]',
    `url = "${redisUrl}"`,
    `key_prefix = "${prefix}"`,
    '[auth]',
    'issuer = "dsp-cli-test"',
    'audience = "dsp-cli-test"',
    'algorithms = ["ES256"]',
    `public_key_file = "${auth.public_key_file}"`,
    `private_key_file = "${auth.private_key_file}"`,
    '[quota]',
    'default_daily_requests = 1000',
    '',
  ].join('\n');
}

/** A user hash without its version field `v`. */
async function userHash(r: RedisClient, key: string): Promise<Record<string, string>> {
  const h = await r.hgetall(key);
  delete h.v;
  return h;
}

const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at /);

beforeAll(async () => {
  db = await createTempDatabase();
  dir = mkdtempSync(join(tmpdir(), 'dsp-cli-test-'));
  prefix = randomKeyPrefix();
  const kp = await generateKeyPairPem('ES256');
  writeFileSync(join(dir, 'public.pem'), kp.publicKey);
  writeFileSync(join(dir, 'private.pem'), kp.privateKey);
  auth = {
    issuer: 'dsp-cli-test',
    audience: 'dsp-cli-test',
    algorithms: ['ES256'],
    public_key_file: join(dir, 'public.pem'),
    private_key_file: join(dir, 'private.pem'),
    secret: '',
    key_id: '',
    previous_public_key_files: [],
  };
  configFile = join(dir, 'deepseek-proxy.toml');
  writeFileSync(configFile, toml(db.url));
  redis = createRedis(REDIS_URL, { failFast: false });
  pool = createPool({ url: db.url });
  services = createServices({
    pool,
    redis,
    config: {
      redis: { key_prefix: prefix },
      quota: { timezone: 'UTC', default_daily_requests: 1000, default_daily_tokens: 0, default_monthly_tokens: 0 },
      auth,
    },
  });
});

afterAll(async () => {
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
  await pool.end();
  await db.drop();
  for (const n of extraDbs) await dropDatabase(n);
  rmSync(dir, { recursive: true, force: true });
});

describe('help and usage errors', () => {
  it('dsp --help exits 0 with every command', async () => {
    const r = await dsp(['--help'], { config: null });
    expect(r.code).toBe(0);
    for (const c of [
      'user create',
      'user list',
      'user disable',
      'user enable',
      'token issue',
      'token list',
      'token revoke',
      'quota set',
      'usage',
      'reconcile',
      'sync',
      'migrate',
      'admin create',
    ]) {
      expect(r.stdout).toContain(`  ${c} `);
    }
  });

  it('dsp <cmd> --help and dsp help <cmd>', async () => {
    const a = await dsp(['token', 'issue', '--help']);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/^usage: dsp token issue USER/);
    expect(a.stdout).toContain('--expires');
    const b = await dsp(['help', 'quota', 'set'], { config: null });
    expect(b.code).toBe(0);
    expect(b.stdout).toMatch(/^usage: dsp quota set USER/);
    const g = await dsp(['user', '-h']);
    expect(g.code).toBe(0);
    expect(g.stdout).toContain('user disable');
  });

  it('exits 2 with the help text on usage errors', async () => {
    const none = await dsp([], { config: null });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^error: no command given\n\nusage: dsp/);
    const cases: [string[], RegExp][] = [
      [['frobnicate'], /error: unknown command "frobnicate"/],
      [['user'], /error: "user" needs a subcommand\n\nusage: dsp user </],
      [['user', 'explode'], /error: unknown command "user explode"/],
      [['user', 'create'], /error: missing argument[^\n]*\n\nusage: dsp user create ID/],
      [['user', 'create', 'a', 'b'], /error: unexpected argument "b"/],
      [['user', 'create', 'a', '--bogus'], /error: Unknown option '--bogus'/],
      [
        ['user', 'create', 'a', '--daily-tokens', 'lots'],
        /error: --daily-tokens must be a whole number >= 0 \(0 blocks every request\), "unlimited" or "default"; got "lots"/,
      ],
      [['quota', 'set', 'a', '--daily-requests=-5'], /error: --daily-requests must be a whole number >= 0 .*got "-5" \(negative limits do not exist\)/],
      [['quota', 'set', 'a'], /error: give at least one of/],
      [['quota', 'set', 'a', '--daily-budget=-5'], /error: --daily-budget must be an amount >= 0 .*got "-5" \(negative budgets do not exist\)/],
      [['quota', 'set', 'a', '--monthly-budget', 'lots'], /error: --monthly-budget must be an amount >= 0 .*or "none"; got "lots"/],
      [['quota', 'set', 'a', '--daily-budget', '0.0000000001'], /error: --daily-budget must be an amount .*at most 9 decimal places/],
      [['quota', 'set', 'a', '--daily-budget', '1e3'], /error: --daily-budget must be an amount/],
      [['quota', 'set', 'a', '--token', 't', '--daily-requests', '5'], /error: --token sets budgets only/],
      [
        ['quota', 'set', 'a', '--daily-budget=-1', '--monthly-budget', 'x'],
        /error: --daily-budget must be an amount .*got "-1".*\n\s+--monthly-budget must be an amount .*got "x"/,
      ],
      [['token', 'issue', 'a', '--concurrency', '0'], /error: --concurrency must be an integer >= 1/],
    ];
    for (const [args, re] of cases) {
      const r = await dsp(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(re);
      expect(r.stderr).toContain('usage: dsp');
      expect(r.stdout).toBe('');
    }
  });
});

describe('migrate', () => {
  it('reports an up-to-date database, and creates a missing one', async () => {
    const up = await dsp(['migrate']);
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/is up to date/);
    const name = `dsp_test_${randomBytes(6).toString('hex')}`;
    extraDbs.push(name);
    const file = join(dir, 'fresh.toml');
    writeFileSync(file, toml(maintenanceUrl(TEST_SERVER_URL, name)));
    const before = await dsp(['user', 'list'], { config: file });
    expect(before.code).toBe(1);
    expect(before.stderr).toMatch(/^error: the database of .* does not exist; run `dsp migrate`/);
    const r = await dsp(['migrate'], { config: file });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`created database ${name}`);
    expect(r.stdout).toContain('applied 001_initial');
    const again = await dsp(['migrate', '--json'], { config: file });
    expect(JSON.parse(again.stdout)).toEqual({ created: false, applied: [], changed: [] });
  });
});

describe('users', () => {
  it('creates a user and writes Redis', async () => {
    const r = await dsp(['user', 'create', 'alice', '--name', 'Alice Liddell', '--daily-tokens', '5000']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('created user alice (Alice Liddell): active');
    expect(await userHash(redis, keys.user(prefix, 'alice'))).toEqual({ status: 'active', daily_tokens: '5000' });
    const audit = await pool.query("SELECT actor FROM audit_log WHERE action = 'user.create' AND target = 'alice'");
    expect(audit.rows[0].actor).toBe(`cli:${userInfo().username}`);
  });

  it('duplicate and invalid ids are handled errors (exit 1, one line, no stack)', async () => {
    const dup = await dsp(['user', 'create', 'alice']);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toBe('error: user "alice" already exists\n');
    const bad = await dsp(['user', 'create', 'no spaces']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: invalid user id "no spaces"/);
    noStack(bad.stderr);
  });

  it('lists users as a table and as JSON, with usage from the Redis counters', async () => {
    await dsp(['user', 'create', 'bob']);
    const period = periodAt('UTC', Date.now());
    await redis.hset(keys.day(prefix, 'alice', period.day), 'req', '3', 'tok', '42');
    const t = await dsp(['user', 'list']);
    expect(t.code).toBe(0);
    expect(t.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+STATUS\s+LABELS\s+REQ TODAY\s+TOK TODAY\s+TOK MONTH/);
    expect(t.stdout).toMatch(/alice\s+Alice Liddell\s+active\s+3\/1000\s+42\/5000\s+0\/∞/);
    expect(t.stderr).toContain('1-2 of 2 users');
    const j = await dsp(['user', 'list', '--search', 'ali', '--json']);
    const body = JSON.parse(j.stdout);
    expect(body.total).toBe(1);
    expect(body.rows[0]).toMatchObject({
      id: 'alice',
      usage: { dailyRequests: 3, dailyTokens: 42 },
      limits: { dailyRequests: 1000, dailyTokens: 5000, monthlyTokens: 'unlimited' },
    });
  });

  it('disables and enables, mirrored in Redis', async () => {
    const d = await dsp(['user', 'disable', 'bob']);
    expect(d.code).toBe(0);
    expect(d.stdout).toBe('user bob is disabled\n');
    expect(await redis.hget(keys.user(prefix, 'bob'), 'status')).toBe('disabled');
    const e = await dsp(['user', 'enable', 'bob']);
    expect(e.code).toBe(0);
    expect(await redis.hget(keys.user(prefix, 'bob'), 'status')).toBe('active');
    const ghost = await dsp(['user', 'disable', 'ghost']);
    expect(ghost.code).toBe(1);
    expect(ghost.stderr).toBe('error: user "ghost" does not exist\n');
  });

  it('user show', async () => {
    const r = await dsp(['user', 'show', 'alice']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('daily tokens    5000');
    expect(r.stdout).toContain('today           3 requests, 42 tokens');
  });
});

describe('tokens', () => {
  let jti: string;

  it('token issue prints the JWT alone on stdout; it verifies with the public key', async () => {
    const r = await dsp([
      'token',
      'issue',
      'alice',
      '--name',
      'laptop',
      '--concurrency',
      '2',
      '--models',
      'deepseek-chat,deepseek-reasoner',
      '--expires',
      '30d',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const token = r.stdout.trim();
    const payload = await verifyJwt(token, await loadVerifyKeys(auth), auth);
    const claims = readClaims(payload as Record<string, unknown>);
    expect(claims).toMatchObject({ sub: 'alice', concurrency: 2, models: ['deepseek-chat', 'deepseek-reasoner'] });
    jti = (claims as { jti: string }).jti;
    expect((claims as { exp: number }).exp).toBeGreaterThan(Date.now() / 1000 + 29 * 86400);
    expect(r.stderr).toContain(`issued token ${jti} "laptop" for user alice`);
    expect(r.stderr).not.toContain(token);
    const rec = await services.tokens.get(jti);
    expect(rec).toMatchObject({ userId: 'alice', name: 'laptop', hint: token.slice(-6), concurrency: 2 });
  });

  it('token issue with defaults never expires', async () => {
    const r = await dsp(['token', 'issue', 'bob']);
    expect(r.code).toBe(0);
    const payload = await verifyJwt(r.stdout.trim(), await loadVerifyKeys(auth), auth);
    expect(payload.exp).toBeUndefined();
    expect(payload.sub).toBe('bob');
  });

  it('token issue errors', async () => {
    const cases: [string[], string][] = [
      [['token', 'issue', 'ghost'], 'error: user "ghost" does not exist\n'],
      [['token', 'issue', 'alice', '--expires', '30x'], 'error: invalid duration "30x": use e.g. 90m, 12h, 30d, 2w, 1y or never\n'],
      [['token', 'issue', 'alice', '--name', 'laptop'], 'error: user "alice" already has a token named "laptop"\n'],
    ];
    for (const [args, err] of cases) {
      const r = await dsp(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toBe(err);
      expect(r.stdout).toBe('');
    }
  });

  it('token list, with --json', async () => {
    const t = await dsp(['token', 'list', 'alice']);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(new RegExp(`${jti}\\s+alice\\s+laptop\\s+active`));
    const j = await dsp(['token', 'list', '--json']);
    const rows = JSON.parse(j.stdout) as { id: string; userId: string }[];
    expect(rows.map((r) => r.userId).sort()).toEqual(['alice', 'bob']);
    const ghost = await dsp(['token', 'list', 'ghost']);
    expect(ghost.code).toBe(1);
  });

  it('token revoke puts the jti into the Redis revoked set', async () => {
    const r = await dsp(['token', 'revoke', jti]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`revoked token ${jti} "laptop" of user alice\n`);
    expect(await redis.sismember(keys.revoked(prefix, 'alice'), jti)).toBe(1);
    expect((await services.tokens.get(jti)).status).toBe('revoked');
    const unknown = await dsp(['token', 'revoke', randomUUID()]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error: token "[\w-]+" does not exist\n$/);
  });
});

describe('quota set', () => {
  it('sets fields and `default` deletes them', async () => {
    const r = await dsp(['quota', 'set', 'bob', '--daily-requests', '10', '--monthly-tokens', '77']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('daily requests  10\n');
    expect(await userHash(redis, keys.user(prefix, 'bob'))).toEqual({ status: 'active', daily_requests: '10', monthly_tokens: '77' });
    const d = await dsp(['quota', 'set', 'bob', '--daily-requests', 'default']);
    expect(d.code).toBe(0);
    expect(d.stdout).toContain('daily requests  1000 (default)');
    expect(await userHash(redis, keys.user(prefix, 'bob'))).toEqual({ status: 'active', monthly_tokens: '77' });
    const u = await dsp(['quota', 'set', 'bob', '--daily-tokens', 'unlimited', '--daily-requests', '0']);
    expect(u.code).toBe(0);
    expect(u.stdout).toContain('daily requests  0 (blocked)\n');
    expect(u.stdout).toContain('daily tokens    unlimited\n');
    expect(await userHash(redis, keys.user(prefix, 'bob'))).toEqual({ status: 'active', daily_requests: '0', daily_tokens: '-1', monthly_tokens: '77' });
    await dsp(['quota', 'set', 'bob', '--daily-tokens', 'default', '--daily-requests', 'default']);
    const ghost = await dsp(['quota', 'set', 'ghost', '--daily-tokens', '1']);
    expect(ghost.code).toBe(1);
    expect(ghost.stderr).toBe('error: user "ghost" does not exist\n');
  });
});

describe('usage', () => {
  it('reports totals from the ledger', async () => {
    const base = {
      token_id: 't',
      user_id: 'alice',
      route: '/chat/completions',
      stream: false,
      status: 200,
      cache_hit_tokens: 0,
      cache_miss_tokens: 0,
      reasoning_tokens: 0,
      first_byte_ms: 5,
      total_ms: 9,
      aborted: false,
      instance: 'x',
    };
    await insertUsageEvents(pool, [
      {
        ...base,
        request_id: randomUUID(),
        model: 'deepseek-chat',
        prompt_tokens: 10,
        completion_tokens: 5,
        started_at: Date.parse('2026-01-10T10:00:00Z'),
        cost_nanos: '12500',
        currency: 'CNY',
      },
      { ...base, request_id: randomUUID(), model: 'deepseek-reasoner', prompt_tokens: 1, completion_tokens: 2, started_at: Date.parse('2026-01-11T10:00:00Z') },
    ]);
    const j = await dsp(['usage', 'alice', '--from', '2026-01-01', '--to', '2026-01-31', '--json']);
    expect(j.code).toBe(0);
    const rep = JSON.parse(j.stdout);
    expect(rep.totals).toMatchObject({ requests: 2, totalTokens: 18 });
    expect(rep.byDay.map((d: { day: string }) => d.day)).toEqual(['2026-01-10', '2026-01-11']);
    const t = await dsp(['usage', 'alice', '--from', '2026-01-01', '--to', '2026-01-31']);
    expect(t.stdout).toContain('requests 2');
    expect(t.stdout).toMatch(/deepseek-reasoner\s+1\s+1\s+2\s+3/);
    const csv = await dsp(['usage', 'alice', '--from', '2026-01-01', '--to', '2026-01-31', '--csv']);
    expect(csv.stdout.split('\r\n')[0]).toMatch(/^day,userId,model,requests/);
    const bad = await dsp(['usage', 'alice', '--from', 'yesterday']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: invalid from date "yesterday"/);
  });

  it('shows what the requests cost, and reports every user grouped by day, user, model or token', async () => {
    const range = ['--from', '2026-01-01', '--to', '2026-01-31'];
    const t = await dsp(['usage', 'alice', ...range]);
    expect(t.stdout).toContain('cost     CNY 0.0000125 (1 without a price)');
    const j = await dsp(['usage', 'alice', ...range, '--json']);
    expect(JSON.parse(j.stdout).totals).toMatchObject({ cost: { CNY: '0.0000125' }, unpriced: 1 });
    const byModel = await dsp(['usage', ...range, '--group-by', 'model']);
    expect(byModel.code).toBe(0);
    expect(byModel.stdout).toMatch(/^MODEL\s+REQUESTS\s+PROMPT\s+COMPLETION\s+TOTAL\s+COST\s+CURRENCY$/m);
    expect(byModel.stdout).toMatch(/^deepseek-chat\s+1\s+10\s+5\s+15\s+0\.0000125\s+CNY$/m);
    expect(byModel.stdout).toMatch(/^deepseek-reasoner\s+1\s+1\s+2\s+3\s+0\s+\(no price\)$/m);
    const csv = await dsp(['usage', ...range, '--group-by', 'token', '--format', 'csv']);
    expect(csv.stdout.split('\r\n')).toEqual([
      'token,requests,promptTokens,completionTokens,cacheHitTokens,cacheMissTokens,reasoningTokens,totalTokens,errors,aborted,unpriced,amount,currency',
      't,1,1,2,0,0,0,3,0,0,1,0,',
      't,1,10,5,0,0,0,15,0,0,0,0.0000125,CNY',
      '',
    ]);
    const json = await dsp(['usage', ...range, '--group-by', 'user', '--format', 'json']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      groupBy: 'user',
      rows: [
        { key: 'alice', currency: '' },
        { key: 'alice', currency: 'CNY', amount: '0.0000125' },
      ],
    });
  });

  it('refuses a bad --group-by / --format with the usage text (exit 2)', async () => {
    const g = await dsp(['usage', '--group-by', 'week']);
    expect(g.code).toBe(2);
    expect(g.stderr).toMatch(/^error: --group-by must be one of day, user, model, token; got "week"/);
    const f = await dsp(['usage', '--format', 'xlsx']);
    expect(f.code).toBe(2);
    expect(f.stderr).toMatch(/^error: --format must be one of table, json, csv; got "xlsx"/);
    const c = await dsp(['usage', '--csv']);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/^error: --csv goes with USER alone/);
  });
});

describe('sync', () => {
  it('rebuilds the prefix after Redis lost it', async () => {
    const revoked = (await services.tokens.list('alice')).find((t) => t.status === 'revoked')!.id;
    await deleteKeysWithPrefix(redis, prefix);
    const r = await dsp(['sync']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^synced 2 users, 1 revoked tokens/);
    expect(await redis.sismember(keys.revoked(prefix, 'alice'), revoked)).toBe(1);
    expect(await userHash(redis, keys.user(prefix, 'bob'))).toEqual({ status: 'active', monthly_tokens: '77' });
    expect(await redis.get(keys.syncMarker(prefix))).toBeTruthy();
  });
});

describe('admin create', () => {
  it('takes the password from DSP_ADMIN_PASSWORD, stdin or --password', async () => {
    const a = await dsp(['admin', 'create', 'root'], { env: { DSP_ADMIN_PASSWORD: 'from-the-env' } });
    expect(a.code).toBe(0);
    expect(a.stdout).toBe('created admin root\n');
    expect(await services.admins.verify('root', 'from-the-env')).not.toBeNull();
    const b = await dsp(['admin', 'create', 'piped'], { input: 'from-stdin-pw\n' });
    expect(b.code).toBe(0);
    expect(await services.admins.verify('piped', 'from-stdin-pw')).not.toBeNull();
    const c = await dsp(['admin', 'create', 'flagged', '--password', 'from-the-flag']);
    expect(c.code).toBe(0);
    expect(c.stderr).toMatch(/warning: --password is visible/);
    expect(await services.admins.verify('flagged', 'from-the-flag')).not.toBeNull();
    expect(await services.admins.verify('flagged', 'wrong-password')).toBeNull();
  });

  it('errors: duplicate, short password, no password', async () => {
    const dup = await dsp(['admin', 'create', 'root', '--password', 'another-pass']);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/error: admin "root" already exists\n$/);
    const short = await dsp(['admin', 'create', 'x'], { env: { DSP_ADMIN_PASSWORD: 'short' } });
    expect(short.code).toBe(1);
    expect(short.stderr).toBe('error: password must be at least 8 characters\n');
    const none = await dsp(['admin', 'create', 'y']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^error: no password/);
  });
});

describe('admin roles', () => {
  it('--role viewer, `admin role`, the ROLE column, and bad roles', async () => {
    const v = await dsp(['admin', 'create', 'auditor', '--role', 'viewer'], { env: { DSP_ADMIN_PASSWORD: 'auditor-pass' } });
    expect(v.code).toBe(0);
    expect(v.stdout).toBe('created admin auditor (viewer)\n');
    expect((await services.admins.get('auditor')).role).toBe('viewer');
    const up = await dsp(['admin', 'role', 'auditor', 'admin']);
    expect(up.stdout).toBe('admin auditor has the admin role\n');
    expect((await services.admins.get('auditor')).role).toBe('admin');
    const list = await dsp(['admin', 'list']);
    expect(list.stdout).toMatch(/^USERNAME\s+ROLE\s+STATUS\s+SIGN-IN/);
    expect(list.stdout).toMatch(/\nauditor\s+admin\s+active\s+password/);
    await services.admins.upsertSso({
      issuer: 'https://id.example.com',
      subject: 's-1',
      username: 'sso.op@corp.example',
      email: 'sso.op@corp.example',
      role: 'viewer',
    });
    expect((await dsp(['admin', 'list'])).stdout).toMatch(/\nsso\.op@corp\.example\s+viewer\s+active\s+sso/);
    const bad = await dsp(['admin', 'create', 'z', '--role', 'owner'], { env: { DSP_ADMIN_PASSWORD: 'zzzzzzzzzz' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--role must be admin or viewer, got "owner"/);
    const badRole = await dsp(['admin', 'role', 'auditor', 'root']);
    expect(badRole.code).toBe(2);
    const ghost = await dsp(['admin', 'role', 'ghost', 'viewer']);
    expect(ghost.code).toBe(1);
    expect(ghost.stderr).toBe('error: admin "ghost" does not exist\n');
  });
});

describe('admin key', () => {
  it('create prints the secret alone on stdout once; list shows it without the secret; revoke', async () => {
    const c = await dsp(['admin', 'key', 'create', '--role', 'viewer', '--name', 'ci']);
    expect(c.code).toBe(0);
    expect(c.stdout).toMatch(/^dsp_ak_[A-Za-z0-9_-]{43}\n$/);
    expect(c.stderr).toMatch(/created viewer API key "ci" .*not shown again/);
    const secret = c.stdout.trim();
    expect(await services.apiKeys.authenticate(secret)).toMatchObject({ name: 'ci', role: 'viewer' });
    const l = await dsp(['admin', 'key', 'list']);
    expect(l.stdout).toMatch(/^NAME\s+ROLE\s+HINT\s+CREATED\s+LAST USED\s+STATUS\n/);
    expect(l.stdout).toMatch(new RegExp(`\nci\\s+viewer\\s+…${secret.slice(-4)}\\s`));
    expect(l.stdout).not.toContain(secret);
    const r = await dsp(['admin', 'key', 'revoke', 'ci']);
    expect(r.stdout).toBe('API key "ci" is revoked\n');
    expect(await services.apiKeys.authenticate(secret)).toBeNull();
    expect((await dsp(['admin', 'key', 'list'])).stdout).not.toMatch(/\nci\s/);
    expect((await dsp(['admin', 'key', 'list', '--all'])).stdout).toMatch(/\nci\s.*revoked/);
  });

  it('errors: no name, bad role, unknown key; listed in the help', async () => {
    const noName = await dsp(['admin', 'key', 'create']);
    expect(noName.code).toBe(2);
    expect(noName.stderr).toMatch(/--name is required/);
    const badRole = await dsp(['admin', 'key', 'create', '--name', 'x', '--role', 'owner']);
    expect(badRole.code).toBe(2);
    const unknown = await dsp(['admin', 'key', 'revoke', 'ghost']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('error: API key "ghost" does not exist\n');
    const help = await dsp(['admin', '--help']);
    expect(help.stdout).toContain('admin key create');
    expect(help.stdout).toMatch(/usage: dsp admin <create\|list\|passwd\|role\|disable\|enable\|key>/);
  });
});

describe('environment failures', () => {
  it('an invalid config is refused with the key path', async () => {
    const file = join(dir, 'bad.toml');
    writeFileSync(file, '[redis]\nurl = "http://nope"\n');
    const r = await dsp(['user', 'list'], { config: file });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: Invalid configuration/);
    expect(r.stderr).toContain('redis.url');
    noStack(r.stderr);
    const missing = await dsp(['sync'], { config: join(dir, 'missing.toml') });
    expect(missing.code).toBe(1);
  });

  it('Redis unreachable: Postgres is updated, the error says to run sync', async () => {
    const r = await dsp(['user', 'create', 'carol'], { env: { DSP_REDIS__URL: 'redis://127.0.0.1:1' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: user "carol" was created in Postgres, but Redis could not be updated (Redis is unreachable); run `dsp sync` once Redis is reachable\n',
    );
    expect((await services.users.get('carol')).status).toBe('active');
  });

  it('Postgres unreachable', async () => {
    const r = await dsp(['user', 'list'], { env: { DSP_DATABASE__URL: 'postgres://postgres@127.0.0.1:1/none' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: cannot connect to Postgres at postgres://postgres@127.0.0.1:1/none (ECONNREFUSED)\n');
  });
});

// last: it adds a user, which the counts above do not expect
describe('quota set: budgets', () => {
  it('budgets: exact decimals into Postgres and nanos into the user hash, per user and per token; none removes them', async () => {
    await services.users.create({ id: 'budget-user' });
    const r = await dsp(['quota', 'set', 'budget-user', '--daily-budget', '5', '--monthly-budget', '100.123456789']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('daily budget    5 CNY, spent 0 CNY\n');
    expect(r.stdout).toContain('monthly budget  100.123456789 CNY, spent 0 CNY\n');
    const row = await pool.query<{ d: string; m: string }>("SELECT daily_budget::text AS d, monthly_budget::text AS m FROM users WHERE id = 'budget-user'");
    expect(row.rows[0]).toEqual({ d: '5.000000000', m: '100.123456789' });
    expect(await userHash(redis, keys.user(prefix, 'budget-user'))).toEqual({ status: 'active', daily_budget: '5000000000', monthly_budget: '100123456789' });
    const { record } = await services.tokens.issue('budget-user');
    const t = await dsp(['quota', 'set', 'budget-user', '--token', record.id, '--daily-budget', '0.5']);
    expect(t.code).toBe(0);
    expect(t.stdout).toContain('daily budget    0.5 CNY\n');
    expect(await userHash(redis, keys.user(prefix, 'budget-user'))).toMatchObject({ [`daily_budget:${record.id}`]: '500000000', daily_budget: '5000000000' });
    // a later user change rewrites the hash and keeps the token's budget
    await dsp(['quota', 'set', 'budget-user', '--daily-budget', 'none']);
    expect(await userHash(redis, keys.user(prefix, 'budget-user'))).toEqual({
      status: 'active',
      monthly_budget: '100123456789',
      [`daily_budget:${record.id}`]: '500000000',
    });
    await services.users.disable('budget-user');
    expect(await userHash(redis, keys.user(prefix, 'budget-user'))).toMatchObject({ status: 'disabled', [`daily_budget:${record.id}`]: '500000000' });
    // so does a sync from scratch
    await redis.del(keys.user(prefix, 'budget-user'));
    expect((await dsp(['sync'])).code).toBe(0);
    expect(await userHash(redis, keys.user(prefix, 'budget-user'))).toEqual({
      status: 'disabled',
      monthly_budget: '100123456789',
      [`daily_budget:${record.id}`]: '500000000',
    });
    const other = await dsp(['quota', 'set', 'bob', '--token', record.id, '--daily-budget', '1']);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/error: token "[\w-]+" belongs to user "budget-user", not "bob"/);
    const audit = await pool.query<{ action: string }>("SELECT action FROM audit_log WHERE action LIKE '%.budget' ORDER BY id");
    expect(audit.rows.map((a) => a.action)).toEqual(['user.budget', 'token.budget', 'user.budget']);
  });
});
