// The ONE place the admin console reads its environment and configuration. Everything else asks
// this module (getConfig / adminSettings), so the rules about which file is loaded live here.
//
// The file is the same deepseek-proxy.toml the gateway reads: `DSP_CONFIG=FILE` (set by
// scripts/start.mjs), else `deepseek-proxy.toml` in the working directory, with the usual
// `DSP_<SECTION>__<KEY>` / REDIS_URL / DATABASE_URL overrides.
import 'server-only';
import { loadConfig, type Config } from '@dsp/config';

export interface AdminSettings {
  host: string;
  port: number;
  gatewayMetricsUrls: string[];
  sessionTtlHours: number;
  timezone: string;
  models: string[];
  redisPrefix: string;
  /** sent to the gateways' /metrics when [metrics] bearer_token is set */
  metricsBearerToken: string;
  /** [admin] trusted_proxies: peers allowed to name the client in X-Forwarded-For */
  trustedProxies: string[];
}

interface Loaded {
  config: Config;
  file: string | null;
  warnings: string[];
}

const KEY = Symbol.for('dsp.admin.config');
type Holder = { [KEY]?: Loaded };

function load(): Loaded {
  const g = globalThis as Holder;
  if (!g[KEY]) {
    const loaded = loadConfig({ argv: [], env: process.env, cwd: process.cwd() });
    for (const w of loaded.warnings) console.warn(`[admin] config: ${w}`);
    g[KEY] = loaded;
  }
  return g[KEY];
}

export function getConfig(): Config {
  return load().config;
}

export function configFile(): string | null {
  return load().file;
}

export function adminSettings(): AdminSettings {
  const c = getConfig();
  return {
    host: c.admin.host,
    port: c.admin.port,
    gatewayMetricsUrls: [...c.admin.gateway_metrics_urls],
    sessionTtlHours: c.admin.session_ttl_hours,
    timezone: c.quota.timezone,
    models: [...c.deepseek.models],
    redisPrefix: c.redis.key_prefix,
    metricsBearerToken: c.metrics.bearer_token,
    trustedProxies: [...c.admin.trusted_proxies],
  };
}
