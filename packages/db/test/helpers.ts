// Shared setup of the integration tests: a temp database, a random Redis key prefix, services.
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { generateKeyPairPem, loadVerifyKeys, verifyJwt, type AuthSettings, type UsageEvent } from '@dsp/core';
import { createPool, createServices, type Pool, type Services, type ServicesConfig } from '../src/index.js';
import { createTempDatabase, deleteKeysWithPrefix, randomKeyPrefix, type TempDatabase } from '../src/testing.js';

export const REDIS_URL = process.env.DSP_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface Env {
  db: TempDatabase;
  pool: Pool;
  redis: Redis;
  prefix: string;
  auth: AuthSettings;
  config: ServicesConfig & { auth: AuthSettings };
  services: Services;
  keyDir: string;
  verify(token: string): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function makeAuth(dir: string): Promise<AuthSettings> {
  const { publicKey, privateKey } = await generateKeyPairPem('ES256');
  const pub = join(dir, 'jwt-public.pem');
  const priv = join(dir, 'jwt-private.pem');
  writeFileSync(pub, publicKey);
  writeFileSync(priv, privateKey, { mode: 0o600 });
  return {
    issuer: 'dsp-test',
    audience: 'dsp-test',
    algorithms: ['ES256'],
    public_key_file: pub,
    private_key_file: priv,
    secret: '',
    key_id: '',
    previous_public_key_files: [],
  };
}

export async function setup(quota: Partial<ServicesConfig['quota']> = {}): Promise<Env> {
  const db = await createTempDatabase();
  const pool = createPool({ url: db.url, pool_size: 5 });
  const redis = new Redis(REDIS_URL, { lazyConnect: false });
  const prefix = randomKeyPrefix();
  const keyDir = mkdtempSync(join(tmpdir(), 'dsp-db-test-'));
  const auth = await makeAuth(keyDir);
  const config = {
    redis: { url: REDIS_URL, key_prefix: prefix },
    quota: { timezone: 'UTC', default_daily_requests: 0, default_daily_tokens: 0, default_monthly_tokens: 0, ...quota },
    auth,
    limits: { token_concurrency: 1 },
  };
  const services = createServices({ pool, redis, config, actor: 'test:runner' });
  const verifyKeys = await loadVerifyKeys(auth);
  return {
    db,
    pool,
    redis,
    prefix,
    auth,
    config,
    services,
    keyDir,
    verify: async (t) => (await verifyJwt(t, verifyKeys, auth)) as Record<string, unknown>,
    async close() {
      await deleteKeysWithPrefix(redis, prefix);
      redis.disconnect();
      await pool.end();
      await db.drop();
      rmSync(keyDir, { recursive: true, force: true });
    },
  };
}

export function event(over: Partial<UsageEvent> = {}): UsageEvent {
  return {
    request_id: randomUUID(),
    token_id: 'tok-1',
    user_id: 'alice',
    model: 'deepseek-chat',
    route: '/v1/chat/completions',
    stream: false,
    status: 200,
    prompt_tokens: 10,
    completion_tokens: 5,
    cache_hit_tokens: 3,
    cache_miss_tokens: 7,
    reasoning_tokens: 0,
    first_byte_ms: 12,
    total_ms: 40,
    started_at: Date.now(),
    aborted: false,
    instance: 'test:0',
    ...over,
  };
}

/** Await a promise that must reject with a ServiceError of this code; returns the error. */
export async function rejectsWithCode(p: Promise<unknown>, code: string, message?: RegExp): Promise<Error & { code: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as Error & { code: string };
    if (err.name !== 'ServiceError' || err.code !== code)
      throw new Error(`expected ServiceError ${code}, got ${err.name} ${err.code}: ${err.message}`, { cause: e });
    if (message && !message.test(err.message)) throw new Error(`message ${JSON.stringify(err.message)} does not match ${message}`, { cause: e });
    return err;
  }
  throw new Error(`expected a ServiceError ${code}, but it resolved`);
}

/** A user hash without its version field `v` (checked separately where it matters). */
export async function userHash(redis: Redis, key: string): Promise<Record<string, string>> {
  const h = await redis.hgetall(key);
  delete h.v;
  return h;
}
