import { describe, expect, it } from 'vitest';
import { defaultConfig } from './load.js';
import { configSchema } from './schema.js';
import { envVarName, schemaKeys, schemaSections } from './schema-walk.js';
import { isValidTimeZone } from './timezone.js';

describe('schema defaults', () => {
  it('gives every key its documented default', () => {
    expect(defaultConfig()).toEqual({
      server: {
        host: '0.0.0.0',
        port: 8877,
        workers: 0,
        max_body_bytes: 1048576,
        max_header_bytes: 16384,
        shutdown_grace_seconds: 30,
        instance_id: '',
      },
      deepseek: {
        api_key: '',
        api_key_file: '',
        base_url: 'https://api.deepseek.com',
        send_user_id: true,
        models: ['deepseek-chat', 'deepseek-reasoner', 'deepseek-v4-flash', 'deepseek-v4-pro'],
        http_client: {
          pool_max_idle_per_host: 20,
          pool_idle_timeout_seconds: 90,
          connect_timeout_seconds: 10,
          timeout_seconds: 60,
          stream_timeout_seconds: 300,
          tcp_nodelay: true,
          http2_adaptive_window: true,
          max_connections: 0,
        },
        max_attempts: 3,
        balance_interval_seconds: 300,
        breaker: { failure_threshold: 5, error_ratio: 0.5, window_seconds: 30, min_requests: 10, cooldown_seconds: 10 },
        accounts: [],
      },
      models: { aliases: {} },
      auth: {
        issuer: 'deepseek-proxy',
        audience: 'deepseek-proxy',
        algorithms: ['ES256'],
        public_key_file: '',
        private_key_file: '',
        secret: '',
        secret_file: '',
        key_id: '',
        previous_public_key_files: [],
        unknown_users: 'reject',
      },
      limits: { token_concurrency: 1, lock_lease_seconds: 30, on_redis_error: 'reject', redis_timeout_ms: 1000, upstream_wait_ms: 0 },
      quota: { timezone: 'UTC', default_daily_requests: 0, default_daily_tokens: 0, default_monthly_tokens: 0, budget_currency: 'CNY' },
      redis: { url: 'redis://127.0.0.1:6379', key_prefix: 'dsp:', cluster: false },
      database: { url: 'postgres://postgres@127.0.0.1:5432/deepseek_proxy', pool_size: 10 },
      metrics: { host: '127.0.0.1', port: 9464, bearer_token: '', bearer_token_file: '', pool_log_interval_seconds: 60, history_interval_seconds: 60 },
      tracing: { otlp_endpoint: '', sample_ratio: 1, service_name: 'deepseek-proxy-gateway' },
      log: { level: 'info', pretty: false },
      usage: { flush_interval_ms: 100, batch_size: 500, buffer_max_events: 10000, recorder: true, recorder_batch_size: 500 },
      pricing: {},
      alerts: { webhook_url: '', secret: '', secret_file: '', budget_thresholds: [0.8, 1], delivery_attempts: 8 },
      admin: {
        host: '127.0.0.1',
        port: 8878,
        gateway_metrics_urls: ['http://127.0.0.1:9464/metrics'],
        session_ttl_hours: 12,
        trusted_proxies: [],
        public_url: '',
        local_passwords: true,
        oidc: {
          issuer: '',
          client_id: '',
          client_secret: '',
          client_secret_file: '',
          scopes: ['openid', 'email', 'profile'],
          allowed_domains: [],
          groups_claim: 'groups',
          admin_group: '',
          viewer_group: '',
        },
      },
    });
  });

  it('parses an empty object to the defaults (sections are prefaulted)', () => {
    expect(configSchema.parse({})).toEqual(defaultConfig());
    expect(configSchema.parse({ deepseek: {} }).deepseek.http_client.timeout_seconds).toBe(60);
  });

  it('gives every key a description, a type label and a default that validates', () => {
    const keys = [...schemaKeys().values()];
    expect(keys.length).toBeGreaterThan(50);
    for (const k of keys) {
      expect(k.meta.description.length, k.dotted).toBeGreaterThan(10);
      expect(k.meta.label, k.dotted).not.toBe('');
      expect(k.default, k.dotted).not.toBeUndefined();
    }
    expect(schemaSections().map((s) => s.dotted)).toEqual([
      'server',
      'deepseek',
      'models',
      'auth',
      'limits',
      'quota',
      'redis',
      'database',
      'metrics',
      'tracing',
      'log',
      'usage',
      'pricing',
      'alerts',
      'admin',
    ]);
    expect(schemaSections()[1]!.sections.map((s) => s.dotted)).toEqual(['deepseek.http_client', 'deepseek.breaker']);
    expect(schemaSections()[1]!.lists.map((l) => l.dotted)).toEqual(['deepseek.accounts']);
  });

  it('names env vars DSP_<SECTION>__<KEY>, one more __ per nested table', () => {
    expect(envVarName(['server', 'port'])).toBe('DSP_SERVER__PORT');
    expect(schemaKeys().get('deepseek.http_client.timeout_seconds')!.envVar).toBe('DSP_DEEPSEEK__HTTP_CLIENT__TIMEOUT_SECONDS');
  });

  it('checks time zones with Intl', () => {
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Asia/Shanghai')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
    // the zero-offset names, accepted without Intl, are the ones Intl knows
    for (const z of ['Etc/UTC', 'gmt', 'Zulu', 'Universal']) expect(isValidTimeZone(z), z).toBe(true);
    expect(isValidTimeZone('UTC+1')).toBe(false);
  });
});
