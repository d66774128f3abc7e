#!/usr/bin/env node
// Mint N gateway tokens for N distinct users, for the k6 scripts and the node fallback (k6 cannot
// sign ES256 itself). Each virtual user gets its own token, so a scenario never hits the per-token
// concurrency limit by accident. Optionally gives every minted user a daily request quota.
//
//   node load-tests/mint-tokens.mjs [--config deepseek-proxy.toml] [--count 200] [--out load-tests/tokens.json]
//       [--key PRIVATE.pem --public-key PUBLIC.pem | --kid KID] [--user-prefix load-x] [--concurrency N]
//       [--expires-in SECONDS] [--daily-requests N [--redis-url URL] [--key-prefix dsp:]]
//
// Keys: the config's [auth] private_key_file / public_key_file (env DSP_AUTH__* wins, as in the
// gateway); with neither, the demo keys `pnpm start` writes to .dsp/. The `kid` the gateway
// expects is derived from the public key file name, so the public key (or --kid) is needed too.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createSigner, keys } from '@dsp/core';
import { openRedis } from './lib/resp.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));

/** The scalar/array `key = value` lines of the named TOML sections (enough for [auth] and [redis]). */
export function readTomlSections(text, wanted) {
  const out = {};
  let section = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = stripComment(raw).trim();
    if (!line) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      section = header[1].trim();
      continue;
    }
    if (!section || !wanted.includes(section)) continue;
    const kv = /^([A-Za-z0-9_-]+)\s*=\s*(.+)$/.exec(line);
    if (!kv) continue;
    (out[section] ??= {})[kv[1]] = tomlValue(kv[2].trim());
  }
  return out;
}

function stripComment(line) {
  let quote = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#') return line.slice(0, i);
  }
  return line;
}

function tomlValue(v) {
  if (v.startsWith("'")) return v.slice(1, v.lastIndexOf("'"));
  if (v.startsWith('[')) return JSON.parse(v.replace(/'([^']*)'/g, (_, s) => JSON.stringify(s)).replace(/,\s*]$/, ']'));
  if (v === 'true' || v === 'false') return v === 'true';
  if (/^[+-]?\d[\d_]*(\.\d+)?$/.test(v)) return Number(v.replace(/_/g, ''));
  return JSON.parse(v);
}

/** The signing settings, resolved the way the gateway resolves them (file, then DSP_ env). */
export function loadAuthSettings(o = {}) {
  const env = o.env ?? process.env;
  const cwd = o.cwd ?? process.cwd();
  const configFile = o.config ?? env.DSP_CONFIG ?? (existsSync(resolve(cwd, 'deepseek-proxy.toml')) ? 'deepseek-proxy.toml' : null);
  let file = {};
  let base = cwd;
  if (configFile) {
    const path = resolve(cwd, configFile);
    file = readTomlSections(readFileSync(path, 'utf8'), ['auth', 'redis']);
    base = dirname(path);
  }
  const fa = file.auth ?? {};
  const fromFile = (k) => (fa[k] ? resolvePath(base, fa[k]) : '');
  const fromEnv = (k) => (env[`DSP_AUTH__${k.toUpperCase()}`] ? resolve(cwd, env[`DSP_AUTH__${k.toUpperCase()}`]) : '');
  let privateKey = o.key ? resolve(cwd, o.key) : fromEnv('private_key_file') || fromFile('private_key_file');
  let publicKey = o.publicKey ? resolve(cwd, o.publicKey) : fromEnv('public_key_file') || fromFile('public_key_file');
  const demo = resolve(cwd, '.dsp');
  if (!privateKey && existsSync(resolve(demo, 'jwt.key.pem'))) {
    privateKey = resolve(demo, 'jwt.key.pem');
    publicKey ||= resolve(demo, 'jwt.pub.pem');
  }
  if (!privateKey) throw new Error('no signing key: pass --config FILE (with auth.private_key_file) or --key PRIVATE.pem --public-key PUBLIC.pem');
  const algorithms = env.DSP_AUTH__ALGORITHMS ? env.DSP_AUTH__ALGORITHMS.replace(/[[\]"\s]/g, '').split(',') : (fa.algorithms ?? ['ES256']);
  const redisUrl = o.redisUrl ?? env.DSP_REDIS__URL ?? env.REDIS_URL ?? file.redis?.url ?? 'redis://127.0.0.1:6379';
  const keyPrefix = o.keyPrefix ?? env.DSP_REDIS__KEY_PREFIX ?? file.redis?.key_prefix ?? 'dsp:';
  return {
    auth: {
      issuer: env.DSP_AUTH__ISSUER ?? fa.issuer ?? 'deepseek-proxy',
      audience: env.DSP_AUTH__AUDIENCE ?? fa.audience ?? 'deepseek-proxy',
      algorithms,
      public_key_file: publicKey,
      private_key_file: privateKey,
      secret: '',
      key_id: o.kid ?? env.DSP_AUTH__KEY_ID ?? fa.key_id ?? '',
      previous_public_key_files: [],
    },
    redisUrl,
    keyPrefix,
  };
}

function resolvePath(base, p) {
  return isAbsolute(p) ? p : resolve(base, p);
}

/**
 * Mint `count` tokens, one per user `${userPrefix}-${i}`. With `dailyRequests`, each user's daily
 * request limit is written to the Redis user hash the gateway's admission script reads (the same
 * field `dsp quota set` writes after Postgres; Postgres is not touched, these are throwaway users).
 */
export async function mintTokens(o) {
  const signer = await createSigner(o.auth);
  const userPrefix = o.userPrefix ?? `load-${randomBytes(3).toString('hex')}`;
  const tokens = [];
  for (let i = 0; i < o.count; i++) {
    const sub = `${userPrefix}-${i}`;
    const minted = await signer.mint({ sub, expiresInSeconds: o.expiresInSeconds ?? 24 * 3600, ...(o.concurrency ? { concurrency: o.concurrency } : {}) });
    tokens.push({ sub, jti: minted.jti, token: minted.token });
  }
  if (o.dailyRequests !== undefined && o.dailyRequests !== null) {
    const redis = await openRedis(o.redisUrl);
    try {
      await redis.pipeline(tokens.map((t) => ['HSET', keys.user(o.keyPrefix, t.sub), 'status', 'active', 'daily_requests', String(o.dailyRequests)]));
    } finally {
      redis.close();
    }
  }
  return {
    created: new Date().toISOString(),
    userPrefix,
    concurrency: o.concurrency ?? null,
    dailyRequests: o.dailyRequests ?? null,
    count: tokens.length,
    tokens,
  };
}

function parseArgs(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') o.help = true;
    else if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = (eq > 0 ? a.slice(2, eq) : a.slice(2)).replace(/-([a-z])/g, (_, c) => c.toUpperCase());
      o[name] = eq > 0 ? a.slice(eq + 1) : argv[++i];
    } else throw new Error(`unexpected argument ${a}`);
  }
  return o;
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  if (a.help) {
    console.log(
      readFileSync(fileURLToPath(import.meta.url), 'utf8')
        .split('\n')
        .slice(1, 13)
        .map((l) => l.replace(/^\/\/ ?/, ''))
        .join('\n'),
    );
    return;
  }
  const s = loadAuthSettings({ config: a.config, key: a.key, publicKey: a.publicKey, kid: a.kid, redisUrl: a.redisUrl, keyPrefix: a.keyPrefix });
  const out = resolve(process.cwd(), a.out ?? resolve(HERE, 'tokens.json'));
  const result = await mintTokens({
    auth: s.auth,
    count: Number(a.count ?? 200),
    userPrefix: a.userPrefix,
    concurrency: a.concurrency ? Number(a.concurrency) : undefined,
    expiresInSeconds: a.expiresIn ? Number(a.expiresIn) : undefined,
    dailyRequests: a.dailyRequests !== undefined ? Number(a.dailyRequests) : undefined,
    redisUrl: s.redisUrl,
    keyPrefix: s.keyPrefix,
  });
  writeFileSync(out, JSON.stringify(result, null, 1) + '\n', { mode: 0o600 });
  const quota = result.dailyRequests !== null ? `, daily request quota ${result.dailyRequests} each (Redis ${s.redisUrl}, prefix ${s.keyPrefix})` : '';
  console.log(`minted ${result.count} tokens for users ${result.userPrefix}-0..${result.count - 1}${quota} → ${out}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((e) => {
    console.error(`mint-tokens: ${e.message}`);
    process.exit(1);
  });
}
