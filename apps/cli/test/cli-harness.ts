// Shared by the CLI's end-to-end tests: run the built `dsp` against a config file, a fresh ES256
// key pair with the [auth] settings that use it, and a whole environment (database, Redis prefix,
// config file, service layer) per test file.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyPairPem, type AuthSettings } from '@dsp/core';
import { createPool, createRedis, createServices, type Pool, type RedisClient, type Services } from '@dsp/db';
import { createTempDatabase, deleteKeysWithPrefix, randomKeyPrefix, type TempDatabase } from '@dsp/db/testing';

export const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
export const REDIS_URL = process.env.DSP_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface DspResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `dsp --config FILE ARGS…` in `cwd`, with only PATH and HOME from this environment. */
export function runDsp(configFile: string, cwd: string, args: string[]): Promise<DspResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, '--config', configFile, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** public.pem / private.pem in `dir`, and [auth] settings naming them (issuer and audience "dsp-cli-test"). */
export async function writeKeyPair(dir: string): Promise<AuthSettings> {
  const kp = await generateKeyPairPem('ES256');
  writeFileSync(join(dir, 'public.pem'), kp.publicKey);
  writeFileSync(join(dir, 'private.pem'), kp.privateKey);
  return {
    issuer: 'dsp-cli-test',
    audience: 'dsp-cli-test',
    algorithms: ['ES256'],
    public_key_file: join(dir, 'public.pem'),
    private_key_file: join(dir, 'private.pem'),
    secret: '',
    key_id: '',
    previous_public_key_files: [],
  };
}

export interface CliEnv {
  db: TempDatabase;
  dir: string;
  configFile: string;
  prefix: string;
  redis: RedisClient;
  pool: Pool;
  /** [auth] settings of a fresh key pair, when asked for */
  auth: AuthSettings | null;
  /** the service layer on the same database and prefix (signing with `auth` when given) */
  services: Services;
  dsp(args: string[]): Promise<DspResult>;
  close(): Promise<void>;
}

/**
 * A temp database, a random Redis prefix, a temp dir holding deepseek-proxy.toml ([database],
 * [redis], [auth] when `auth`, then `toml`'s own lines) and the service layer on them.
 */
export async function cliEnv(o: { name: string; auth?: boolean; toml?: string[] }): Promise<CliEnv> {
  const db = await createTempDatabase();
  const dir = mkdtempSync(join(tmpdir(), `dsp-cli-${o.name}-`));
  const prefix = randomKeyPrefix();
  const auth = o.auth ? await writeKeyPair(dir) : null;
  const configFile = join(dir, 'deepseek-proxy.toml');
  const authLines = auth
    ? [
        '[auth]',
        `issuer = "${auth.issuer}"`,
        `audience = "${auth.audience}"`,
        'algorithms = ["ES256"]',
        `public_key_file = "${auth.public_key_file}"`,
        `private_key_file = "${auth.private_key_file}"`,
      ]
    : [];
  const lines = ['[database]', `url = "${db.url}"`, '[redis]', `url = "${REDIS_URL}"`, `key_prefix = "${prefix}"`, ...authLines, ...(o.toml ?? []), ''];
  writeFileSync(configFile, lines.join('\n'));
  const redis = createRedis(REDIS_URL, { failFast: false });
  const pool = createPool({ url: db.url });
  const quota = { timezone: 'UTC', default_daily_requests: 0, default_daily_tokens: 0, default_monthly_tokens: 0 };
  const services = createServices({ pool, redis, config: { redis: { key_prefix: prefix }, quota, ...(auth ? { auth } : {}) } });
  return {
    db,
    dir,
    configFile,
    prefix,
    redis,
    pool,
    auth,
    services,
    dsp: (args) => runDsp(configFile, dir, args),
    async close() {
      await deleteKeysWithPrefix(redis, prefix);
      redis.disconnect();
      await pool.end();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
