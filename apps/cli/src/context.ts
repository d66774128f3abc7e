// What a command can use, each piece created on first use: the loaded config, the Postgres pool,
// the Redis client and the services. close() releases whatever was opened.
import { userInfo } from 'node:os';
import { loadConfig, type Config } from '@dsp/config';
import { createPool, createRedis, createServices, type Pool, type RedisClient, type Services } from '@dsp/db';
import type { Io } from './output.js';

export interface GlobalOptions {
  /** --config FILE */
  configFile?: string;
  /** --json */
  json: boolean;
}

export interface Context {
  io: Io;
  global: GlobalOptions;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** stdin, for password prompts */
  stdin: NodeJS.ReadStream;
  config(): Config;
  /** Where config() came from: the file (or null) and pnpm start's recorded variables (or null). */
  configSource(): { file: string | null; startEnvFile: string | null };
  pool(): Pool;
  redis(): RedisClient;
  services(): Services;
  close(): Promise<void>;
}

/** Variables the CLI itself reads; not config overrides, so hidden from the loader's unknown-key check. */
export const CLI_ENV_VARS = ['DSP_ADMIN_PASSWORD', 'DSP_DEBUG'] as const;

function configEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const k of CLI_ENV_VARS) delete out[k];
  return out;
}

export function osActor(env: NodeJS.ProcessEnv): string {
  let name: string | undefined;
  try {
    name = userInfo().username;
  } catch {
    name = env.USER ?? env.LOGNAME;
  }
  return `cli:${name || 'unknown'}`;
}

export function createContext(o: { io: Io; global: GlobalOptions; env: NodeJS.ProcessEnv; cwd: string; stdin: NodeJS.ReadStream }): Context {
  let config: Config | undefined;
  let source = { file: null as string | null, startEnvFile: null as string | null };
  let pool: Pool | undefined;
  let redis: RedisClient | undefined;
  let services: Services | undefined;
  const ctx: Context = {
    ...o,
    config() {
      if (!config) {
        const loaded = loadConfig({ argv: o.global.configFile ? ['--config', o.global.configFile] : [], env: configEnv(o.env), cwd: o.cwd });
        for (const w of loaded.warnings) o.io.stderr(`warning: ${w}\n`);
        config = loaded.config;
        source = { file: loaded.file, startEnvFile: loaded.startEnvFile ?? null };
      }
      return config;
    },
    configSource() {
      ctx.config();
      return source;
    },
    pool() {
      pool ??= createPool(ctx.config().database, { max: 2 });
      return pool;
    },
    redis() {
      redis ??= createRedis(ctx.config().redis.url, { failFast: true, cluster: ctx.config().redis.cluster });
      return redis;
    },
    services() {
      services ??= createServices({ pool: ctx.pool(), redis: ctx.redis(), config: ctx.config(), actor: osActor(o.env) });
      return services;
    },
    async close() {
      redis?.disconnect();
      await pool?.end().catch(() => {});
    },
  };
  return ctx;
}
