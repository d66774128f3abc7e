// `pnpm start`: the whole stack on one machine — migrations, the gateway cluster (with its usage
// recorder), the admin console and, with no DeepSeek API key, the mock upstream (demo mode).
// In demo mode it also creates signing keys, a demo user, a demo token and a first admin, and
// prints a ready-to-paste curl line (and a Claude Code one).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { loadConfig, isConfigError, demoMode, writeStartEnv, CONFIG_ENV_VAR } from '@dsp/config';
import { generateKeyPairPem } from '@dsp/core';
import { createPool, createRedis, createServices, migrateDatabase, isServiceError } from '@dsp/db';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const DATA = join(process.cwd(), '.dsp');
/** the demo's mock upstream (DSP_DEMO_MOCK_PORT moves it, e.g. when 8899 is taken) */
const MOCK_PORT = Number(process.env.DSP_DEMO_MOCK_PORT) || 8899;
const DEMO_USER = 'demo';
/** demo tokens expire: a forgotten demo stack does not leave a key that works forever */
const DEMO_TOKEN_LIFETIME = '7d';
const children = [];

function fail(message) {
  console.error(`pnpm start: ${message}`);
  for (const c of children) c.kill('SIGTERM');
  process.exit(1);
}

// Decided afresh at each start (the previous run's .dsp/start.env is not read), then recorded there
// for the CLI and any process started later in this directory.
function load(env) {
  try {
    return loadConfig({ argv: process.argv.slice(2), env, cwd: process.cwd(), startEnv: false });
  } catch (e) {
    if (isConfigError(e)) fail(`\n${e.message}`);
    throw e;
  }
}

/**
 * Demo signing keys under .dsp/, unless the config names its own. Outside demo mode they are
 * never picked up by default: a stack serving the real API must be given its keys on purpose
 * (naming .dsp/jwt.*.pem in the config is such a choice).
 */
async function ensureKeys(config, env, demo) {
  if (config.auth.public_key_file || !config.auth.algorithms.some((a) => a !== 'HS256')) return;
  const pub = join(DATA, 'jwt.pub.pem');
  const key = join(DATA, 'jwt.key.pem');
  if (!demo) {
    fail(
      'no token signing keys configured (auth.public_key_file / auth.private_key_file).\n' +
        `  The demo keys in ${DATA} are used only in demo mode; generate your own (see docs/OPERATIONS.md, "Rotating the JWT signing key"),\n` +
        '  or, to keep the demo keys, name them in deepseek-proxy.toml:\n' +
        `    [auth]\n    public_key_file = "${pub}"\n    private_key_file = "${key}"`,
    );
  }
  mkdirSync(DATA, { recursive: true });
  if (!existsSync(pub) || !existsSync(key)) {
    const pair = await generateKeyPairPem(config.auth.algorithms.includes('EdDSA') ? 'EdDSA' : 'ES256');
    writeFileSync(pub, pair.publicKey);
    writeFileSync(key, pair.privateKey, { mode: 0o600 });
  }
  env.DSP_AUTH__PUBLIC_KEY_FILE = pub;
  env.DSP_AUTH__PRIVATE_KEY_FILE = key;
}

/** Demo mode serves a mock on this machine only: every listener on the loopback address. */
function bindLoopback(env) {
  for (const section of ['SERVER', 'ADMIN', 'METRICS']) env[`DSP_${section}__HOST`] = '127.0.0.1';
}

/** A stack serving the real API: the demo's tokens (user "demo", named demo-*) stop working. */
async function revokeDemoTokens(config) {
  const pool = createPool(config.database, { max: 2 });
  const redis = createRedis(config.redis.url, { cluster: config.redis.cluster });
  const services = createServices({ pool, redis, config, actor: 'start' });
  try {
    const tokens = await services.tokens.list(DEMO_USER).catch((e) => {
      if (isServiceError(e) && e.code === 'not_found') return [];
      throw e;
    });
    const live = tokens.filter((t) => t.status === 'active' && t.name.startsWith('demo-'));
    for (const t of live) await services.tokens.revoke(t.id);
    if (live.length) console.log(`revoked ${live.length} demo token(s): demo mode is off`);
  } finally {
    redis.disconnect();
    await pool.end();
  }
}

function run(name, args, env) {
  const child = spawn(process.execPath, args, { cwd: process.cwd(), env, stdio: ['ignore', 'inherit', 'inherit'] });
  child.on('exit', (code, signal) => {
    if (!stopping) fail(`${name} exited (${signal ?? code}); stopping the stack`);
  });
  children.push(child);
  return child;
}

async function waitHttp(url, ms) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/** Demo user, token and first admin; credentials kept in .dsp/demo.json so restarts reuse them. */
async function seedDemo(config) {
  const pool = createPool(config.database, { max: 2 });
  const redis = createRedis(config.redis.url, { cluster: config.redis.cluster });
  const services = createServices({ pool, redis, config, actor: 'start:demo' });
  const file = join(DATA, 'demo.json');
  let demo = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  try {
    try {
      await services.users.get('demo');
    } catch (e) {
      if (!isServiceError(e) || e.code !== 'not_found') throw e;
      await services.users.create({ id: 'demo', name: 'Demo user' });
    }
    const tokens = await services.tokens.list('demo');
    const saved = tokens.find((t) => t.id === demo.tokenId && t.status === 'active');
    // a demo token from before demo tokens expired is replaced
    if (saved && !saved.expiresAt) await services.tokens.revoke(saved.id);
    if (!demo.token || !saved?.expiresAt) {
      const { token, record } = await services.tokens.issue(DEMO_USER, { name: `demo-${Date.now()}`, concurrency: 4, expiresIn: DEMO_TOKEN_LIFETIME });
      demo = { ...demo, token, tokenId: record.id };
    }
    if (!demo.adminPassword) {
      // the demo admin's password lives only in .dsp/demo.json: a new checkout gets a new one
      const password = randomBytes(9).toString('base64url');
      const exists = (await services.admins.list()).some((a) => a.username === 'admin');
      if (exists) await services.admins.setPassword('admin', password);
      else await services.admins.create('admin', password);
      demo = { ...demo, adminUser: 'admin', adminPassword: password };
    }
    writeFileSync(file, JSON.stringify(demo, null, 2), { mode: 0o600 });
    return demo;
  } finally {
    redis.disconnect();
    await pool.end();
  }
}

let stopping = false;
async function main() {
  const env = { ...process.env };
  if (process.stdout.isTTY && env.DSP_LOG__PRETTY === undefined) env.DSP_LOG__PRETTY = 'true';
  let { config, file } = load(env);
  const demo = demoMode(config);
  await ensureKeys(config, env, demo);
  if (demo) {
    bindLoopback(env);
    run('mock DeepSeek', [join(ROOT, 'packages/mock-deepseek/dist/cli.js'), '--port', String(MOCK_PORT), '--chunk-delay-ms', '40'], env);
    env.DSP_DEEPSEEK__BASE_URL = `http://127.0.0.1:${MOCK_PORT}`;
  }
  ({ config } = load(env));
  const recorded = {
    ...(file ? { [CONFIG_ENV_VAR]: file } : {}),
    ...Object.fromEntries(
      ['DSP_AUTH__PUBLIC_KEY_FILE', 'DSP_AUTH__PRIVATE_KEY_FILE', 'DSP_DEEPSEEK__BASE_URL']
        .filter((k) => env[k] !== undefined && env[k] !== process.env[k])
        .map((k) => [k, env[k]]),
    ),
  };
  writeStartEnv(process.cwd(), recorded);
  const m = await migrateDatabase(config.database.url).catch((e) =>
    fail(`cannot prepare the database ${config.database.url.replace(/:[^:@/]*@/, ':***@')}: ${e.message}`),
  );
  console.log(`database ready${m.created ? ' (created)' : ''}, ${m.applied.length} migration(s) applied`);
  const seeded = demo ? await seedDemo(config) : null;
  if (!demo) await revokeDemoTokens(config);

  run('gateway', [join(ROOT, 'apps/gateway/dist/main.js'), ...process.argv.slice(2)], env);
  const adminStart = join(ROOT, 'apps/admin/scripts/start.mjs');
  if (existsSync(adminStart)) run('admin', [adminStart, ...process.argv.slice(2)], env);

  const gw = `http://127.0.0.1:${config.server.port}`;
  if (!(await waitHttp(`${gw}/readyz`, 30_000))) fail('the gateway did not become ready in 30 s');
  const lines = [
    '',
    `deepseek-proxy is running${demo ? ' in DEMO mode (mock DeepSeek upstream; set DEEPSEEK_API_KEY for the real API)' : ''}`,
    `  gateway   ${gw}   (OpenAI base URL: ${gw}/v1, Anthropic / Claude Code: ${gw}/anthropic)`,
    `  metrics   http://127.0.0.1:${config.metrics.port}/metrics`,
    `  admin     http://${config.admin.host}:${config.admin.port}`,
  ];
  if (seeded) {
    // a password printed into a log file (stdout not a terminal) would outlive the session
    if (process.stdout.isTTY) lines.push(`  admin login: ${seeded.adminUser} / ${seeded.adminPassword}   (also in .dsp/demo.json)`);
    else lines.push(`  admin login: ${seeded.adminUser} / (the password is in ${join(DATA, 'demo.json')})`);
    lines.push(
      '',
      'Try a streamed answer with the demo token:',
      '',
      `curl -N ${gw}/v1/chat/completions -H "Authorization: Bearer ${seeded.token}" -H "Content-Type: application/json" -d '{"model":"deepseek-chat","stream":true,"messages":[{"role":"user","content":"Hello!"}]}'`,
      '',
      'or Claude Code:',
      '',
      `ANTHROPIC_BASE_URL=${gw}/anthropic ANTHROPIC_AUTH_TOKEN=${seeded.token} ANTHROPIC_MODEL=deepseek-chat ANTHROPIC_SMALL_FAST_MODEL=deepseek-chat claude`,
      '',
    );
  }
  console.log(lines.join('\n'));
}

const stop = () => {
  if (stopping) return;
  stopping = true;
  for (const c of children) c.kill('SIGTERM');
  Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r))))).then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
main().catch((e) => fail(e.stack ?? String(e)));
