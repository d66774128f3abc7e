// dsp doctor — checks what the gateway needs and says in plain words what is wrong:
// config, signing keys, Redis, Postgres (and migrations), the upstream and its key, clock skew,
// and the running gateway. It checks the config every process here uses (the same discovery,
// including what `pnpm start` recorded), so the demo's keys and mock upstream are what it checks.
import { performance } from 'node:perf_hooks';
import { defaultConfig, demoMode, type Config } from '@dsp/config';
import { createSigner, keys as redisKeys, loadVerifyKeys, verifyJwt } from '@dsp/core';
import { loadMigrations, redactUrl } from '@dsp/db';
import type { Command } from '../command.js';
import { CliError } from '../command.js';
import type { Context } from '../context.js';
import { checkGateway, type Finding } from './doctor-gateway.js';

const DEFAULT_BASE_URL = defaultConfig().deepseek.base_url;

/** Clock differences above this make tokens look expired or not yet valid (jose allows 30 s). */
const MAX_SKEW_MS = 5000;
const UPSTREAM_TIMEOUT_MS = 5000;

async function timed<T>(p: Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const v = await p;
  return [v, Math.round(performance.now() - t)];
}

async function checkKeys(config: Config): Promise<Finding> {
  try {
    const keys = await loadVerifyKeys(config.auth);
    const signer = await createSigner(config.auth);
    const { token } = await signer.mint({ sub: 'doctor', expiresInSeconds: 60 });
    await verifyJwt(token, keys, config.auth);
    return {
      check: 'signing keys',
      status: 'ok',
      detail: `${config.auth.algorithms.join(', ')}: a token signed with the private key verifies with the public key`,
    };
  } catch (e) {
    return {
      check: 'signing keys',
      status: 'fail',
      detail: `${(e as Error).message} (set auth.public_key_file / auth.private_key_file, or auth.secret for HS256; \`pnpm start\` creates demo keys in .dsp/)`,
    };
  }
}

async function checkRedis(ctx: Context, config: Config): Promise<Finding[]> {
  const redis = ctx.redis();
  try {
    const [, ms] = await timed(redis.ping());
    const info = await redis.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
    const [major = 0, minor = 0] = version.split('.').map(Number);
    const out: Finding[] = [
      {
        check: 'redis',
        status: major > 6 || (major === 6 && minor >= 2) ? 'ok' : 'fail',
        detail: `${redactUrl(config.redis.url)} answers in ${ms} ms, version ${version}${major < 6 || (major === 6 && minor < 2) ? ' (6.2 or newer is needed)' : ''}`,
      },
    ];
    const marker = await redis.get(redisKeys.syncMarker(config.redis.key_prefix));
    out.push(
      marker
        ? { check: 'redis state', status: 'ok', detail: `synced from postgres at ${marker}` }
        : {
            check: 'redis state',
            status: 'warn',
            detail: 'no sync marker: revocations and limits are not in redis yet; the gateway rebuilds them at start, or run `pnpm dsp sync`',
          },
    );
    const [sec, usec] = await redis.time();
    out.push(skew('clock vs redis', Number(sec) * 1000 + Math.floor(Number(usec) / 1000)));
    return out;
  } catch (e) {
    return [
      {
        check: 'redis',
        status: 'fail',
        detail: `${redactUrl(config.redis.url)} is unreachable: ${(e as Error).message}. Is redis-server running? (redis.url, REDIS_URL)`,
      },
    ];
  }
}

async function checkPostgres(ctx: Context, config: Config): Promise<Finding[]> {
  try {
    const pool = ctx.pool();
    const [r, ms] = await timed(pool.query<{ now: Date; version: string }>('SELECT now() AS now, version() AS version'));
    const row = r.rows[0]!;
    const out: Finding[] = [
      { check: 'postgres', status: 'ok', detail: `${redactUrl(config.database.url)} answers in ${ms} ms (${row.version.split(' ').slice(0, 2).join(' ')})` },
    ];
    const known = (await loadMigrations()).map((m) => m.name);
    const applied = await pool.query<{ name: string }>('SELECT name FROM schema_migrations').then(
      (q) => new Set(q.rows.map((x) => x.name)),
      () => new Set<string>(),
    );
    const pending = known.filter((n) => !applied.has(n));
    out.push(
      pending.length
        ? { check: 'migrations', status: 'fail', detail: `${pending.length} pending (${pending.join(', ')}): run \`pnpm dsp migrate\`` }
        : { check: 'migrations', status: 'ok', detail: `all ${known.length} applied` },
    );
    out.push(skew('clock vs postgres', row.now.getTime()));
    return out;
  } catch (e) {
    return [
      {
        check: 'postgres',
        status: 'fail',
        detail: `${redactUrl(config.database.url)}: ${(e as Error).message}. Is PostgreSQL running and the database URL right? (database.url, DATABASE_URL)`,
      },
    ];
  }
}

async function checkUpstream(config: Config): Promise<Finding[]> {
  const base = config.deepseek.base_url.replace(/\/+$/, '');
  const demo = demoMode(config);
  if (demo && base === DEFAULT_BASE_URL.replace(/\/+$/, ''))
    return [
      {
        check: 'upstream',
        status: 'fail',
        detail: `no DeepSeek API key (deepseek.api_key / DEEPSEEK_API_KEY): ${base} would refuse every request. Set the key, or run \`pnpm start\` for the demo with its mock upstream`,
      },
    ];
  const headers: Record<string, string> = demo ? {} : { authorization: `Bearer ${config.deepseek.api_key}` };
  try {
    const [r, ms] = await timed(fetch(`${base}/models`, { headers, signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS) }));
    await r.body?.cancel();
    const out: Finding[] = [];
    if (demo)
      out.push({
        check: 'upstream',
        status: r.ok ? 'ok' : 'warn',
        detail: `demo mode (no API key): the upstream ${base} (the mock DeepSeek of \`pnpm start\`) answered ${r.status} in ${ms} ms`,
      });
    else if (r.status === 401 || r.status === 403)
      out.push({ check: 'upstream key', status: 'fail', detail: `${base} refused the API key (HTTP ${r.status}): check deepseek.api_key / DEEPSEEK_API_KEY` });
    else if (r.ok) out.push({ check: 'upstream', status: 'ok', detail: `${base} reachable in ${ms} ms and accepts the API key` });
    else out.push({ check: 'upstream', status: 'warn', detail: `${base}/models answered HTTP ${r.status} in ${ms} ms` });
    const date = r.headers.get('date');
    if (date) out.push(skew('clock vs upstream', Date.parse(date), 2000));
    return out;
  } catch (e) {
    const hint = demo ? 'the demo mock upstream runs only while `pnpm start` does' : 'deepseek.base_url; outbound network, proxy or DNS';
    return [{ check: 'upstream', status: 'fail', detail: `${base} is unreachable: ${(e as Error).message} (${hint})` }];
  }
}

/** `tolerance` adds the reference's own resolution (an HTTP Date header has whole seconds). */
function skew(check: string, theirs: number, tolerance = 0): Finding {
  const d = Date.now() - theirs;
  const ok = Math.abs(d) <= MAX_SKEW_MS + tolerance;
  return {
    check,
    status: ok ? 'ok' : 'fail',
    detail: `${d >= 0 ? '+' : ''}${d} ms${ok ? '' : ' — fix the clock (NTP): tokens will look expired or not yet valid'}`,
  };
}

export const doctorCommand: Command = {
  path: ['doctor'],
  summary: 'check config, keys, Redis, Postgres, the upstream and clocks; say what is wrong',
  usage: '[--json]',
  args: { min: 0, max: 0 },
  async run(ctx) {
    const findings: Finding[] = [];
    let config: Config;
    try {
      config = ctx.config();
      const { file, startEnvFile } = ctx.configSource();
      const from = [file ?? 'no file (defaults and environment)', ...(startEnvFile ? [`what \`pnpm start\` recorded in ${startEnvFile}`] : [])];
      findings.push({ check: 'config', status: 'ok', detail: `valid: ${from.join(', plus ')}` });
    } catch (e) {
      throw new CliError(`config: ${(e as Error).message}`);
    }
    findings.push(await checkKeys(config));
    const [redis, pg, upstream, gateway] = await Promise.all([
      checkRedis(ctx, config),
      checkPostgres(ctx, config),
      checkUpstream(config),
      checkGateway(config),
    ]);
    findings.push(...redis, ...pg, ...upstream, ...gateway);
    if (ctx.global.json) ctx.io.stdout(JSON.stringify(findings, null, 2) + '\n');
    else for (const f of findings) ctx.io.stdout(`${f.status === 'ok' ? '✓' : f.status === 'warn' ? '!' : '✗'} ${f.check.padEnd(18)} ${f.detail}\n`);
    const failed = findings.filter((f) => f.status === 'fail').length;
    if (failed) throw new CliError(`${failed} check(s) failed`);
  },
};
