// The configuration schema: one zod schema whose every key carries a default, a description and
// the metadata the loader (env typing, path resolution, secret files) and the reference renderer
// need. The TOML names are used unchanged (snake_case) in the parsed config.
import { isIP } from 'node:net';
import { z } from 'zod';
import { isKnownCurrency, parsePricing } from './pricing.js';
import { PRICING_DOC, PRICING_EXAMPLE } from './pricing-doc.js';
import { isValidTimeZone } from './timezone.js';

export { isValidTimeZone };

/** How a string from an environment variable is turned into a value of this key. */
export type ValueKind = 'string' | 'integer' | 'number' | 'boolean' | 'list' | 'map' | 'number_list';

export interface KeyMeta {
  kind: ValueKind;
  /** Human-readable type, used in the docs and as the "expected" part of validation errors. */
  label: string;
  description: string;
  /** An empty string (or empty list) here means "missing". */
  required?: boolean;
  /** Never echoed in errors, warnings or redacted configs. */
  secret?: boolean;
  /** The value is a file path (or a list of paths) resolved to an absolute path at load time. */
  path?: 'file' | 'files';
  /** For `*_file` keys: the key (dotted path) that receives the trimmed file content. */
  contentOf?: string;
  /** Other environment variables that also set this key (weaker than the DSP_ form). */
  envAliases?: string[];
}

export interface SectionMeta {
  description: string;
  /**
   * A table of named tables (`[pricing."<model>"]`) checked by its own parser rather than by leaf
   * keys: `doc` is its Markdown reference, `example` the commented TOML shown in the example file.
   */
  map?: { doc: string; example: string };
}

/** An array of tables (`[[deepseek.accounts]]`): its items are tables of leaf keys. */
export interface TableListMeta {
  description: string;
  /** One item as it is shown (commented out) in the example config and the docs. */
  example: Record<string, unknown>;
}

/** Metadata of every leaf key, keyed by its (default-wrapped) schema instance. */
export const keyMeta = z.registry<KeyMeta>();
/** Metadata of every [section] table. */
export const sectionMeta = z.registry<SectionMeta>();
/** Metadata of every [[array of tables]]. */
export const tableListMeta = z.registry<TableListMeta>();

function leaf<T extends z.ZodType>(schema: T, meta: KeyMeta): T {
  const described = schema.describe(meta.description);
  keyMeta.add(described, meta);
  return described;
}

interface TextOptions {
  required?: boolean;
  label?: string;
  check?: (value: string) => boolean;
  secret?: boolean;
  path?: 'file';
  contentOf?: string;
  envAliases?: string[];
}

function text(dflt: string, description: string, opts: TextOptions = {}) {
  const base = opts.label ?? (opts.path ? 'file path' : 'string');
  const label = opts.required ? `non-empty ${base}` : base;
  let s = z.string();
  if (opts.required) s = s.min(1, 'required');
  const checked = opts.check ? s.refine(opts.check, label) : s;
  return leaf(checked.default(dflt), {
    kind: 'string',
    label,
    description,
    ...(opts.required ? { required: true } : {}),
    ...(opts.secret ? { secret: true } : {}),
    ...(opts.path ? { path: opts.path } : {}),
    ...(opts.contentOf ? { contentOf: opts.contentOf } : {}),
    ...(opts.envAliases ? { envAliases: opts.envAliases } : {}),
  });
}

function integer(dflt: number, description: string, range: { min: number; max?: number }) {
  let s = z.number().int().min(range.min);
  if (range.max !== undefined) s = s.max(range.max);
  const label = range.max !== undefined ? `integer ${range.min}..${range.max}` : `integer >= ${range.min}`;
  return leaf(s.default(dflt), { kind: 'integer', label, description });
}

/** A (possibly fractional) number that must be > 0, or >= 0 with `allowZero`. */
function number(dflt: number, description: string, opts: { allowZero?: boolean } = {}) {
  const s = opts.allowZero ? z.number().min(0) : z.number().positive();
  return leaf(s.default(dflt), {
    kind: 'number',
    label: opts.allowZero ? 'number >= 0' : 'number > 0',
    description,
  });
}

function flag(dflt: boolean, description: string) {
  return leaf(z.boolean().default(dflt), { kind: 'boolean', label: 'boolean', description });
}

function oneOf<const V extends readonly [string, ...string[]]>(values: V, dflt: V[number], description: string) {
  const label = values.map((v) => JSON.stringify(v)).join(' | ');
  return leaf(z.enum(values).default(dflt as never), { kind: 'string', label, description });
}

interface ListOptions {
  nonEmpty?: boolean;
  path?: 'files';
}

function list<T extends z.ZodType<string>>(item: T, itemLabel: string, dflt: z.output<T>[], description: string, opts: ListOptions = {}) {
  const s = opts.nonEmpty ? z.array(item).min(1) : z.array(item);
  return leaf(s.default(dflt as never), {
    kind: 'list',
    label: `${opts.nonEmpty ? 'non-empty ' : ''}list of ${itemLabel}`,
    description,
    ...(opts.nonEmpty ? { required: true } : {}),
    ...(opts.path ? { path: opts.path } : {}),
  });
}

/** A table of string → string (an inline TOML table), e.g. model aliases. */
function map(itemLabel: string, description: string) {
  const s = z.record(z.string().min(1), z.string().min(1));
  return leaf(s.default({}), { kind: 'map', label: `table of ${itemLabel}`, description });
}

/** A number-list leaf, e.g. alert thresholds. */
function numberList(item: z.ZodNumber, itemLabel: string, dflt: number[], description: string) {
  return leaf(z.array(item).default(dflt as never), { kind: 'number_list', label: `list of ${itemLabel}`, description });
}

/** A table of named tables validated by `parse`, which reports every problem with its path. */
function mapSection<T>(
  meta: SectionMeta & { map: NonNullable<SectionMeta['map']> },
  parse: (raw: unknown) => { value: T; problems: { path: (string | number)[]; message: string }[] },
) {
  const s = z
    .unknown()
    .transform((raw, ctx) => {
      const { value, problems } = parse(raw);
      for (const p of problems) ctx.addIssue({ code: 'custom', message: p.message, path: p.path, input: raw });
      return value;
    })
    .prefault({} as never);
  sectionMeta.add(s, meta);
  return s;
}

function section<S extends z.ZodRawShape>(description: string, shape: S) {
  const s = z.object(shape).prefault({} as never);
  sectionMeta.add(s, { description });
  return s;
}

/** An array of tables whose items have the leaf keys of `shape`; empty by default. */
function tableList<S extends z.ZodRawShape>(meta: TableListMeta, shape: S) {
  const s = z.array(z.object(shape)).default([]);
  tableListMeta.add(s, meta);
  return s;
}

// ---- value checks -----------------------------------------------------------------------------

function urlWithProtocol(...protocols: string[]) {
  return (value: string): boolean => {
    try {
      const u = new URL(value);
      return protocols.includes(u.protocol) && (u.host !== '' || u.protocol === 'file:');
    } catch {
      return false;
    }
  };
}

/** `10.0.0.1`, `::1`, `10.0.0.0/8`, `fd00::/8`. */
export function isAddressOrCidr(value: string): boolean {
  const [addr, bits, extra] = value.split('/');
  const family = isIP(addr ?? '');
  if (family === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d{1,3}$/.test(bits) && n <= (family === 4 ? 32 : 128);
}

const httpUrl = urlWithProtocol('http:', 'https:');

/** https, or http on a loopback address (a provider started by a test or on the same host). */
export function isIssuerUrl(value: string): boolean {
  try {
    const u = new URL(value);
    if (u.search || u.hash) return false;
    if (u.protocol === 'https:') return u.host !== '';
    return u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  } catch {
    return false;
  }
}
const redisUrl = urlWithProtocol('redis:', 'rediss:');
const postgresUrl = urlWithProtocol('postgres:', 'postgresql:');

export const JWT_ALGORITHMS = ['ES256', 'EdDSA', 'HS256'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const DEFAULT_MODELS = ['deepseek-chat', 'deepseek-reasoner', 'deepseek-v4-flash', 'deepseek-v4-pro'];
/** Account names become metric labels and parts of Redis keys. */
export const ACCOUNT_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

const accountItem = {
  name: text('', 'Shown in metrics, logs, the console and the ledger; unique.', {
    required: true,
    label: 'name of letters, digits, `_`, `.`, `-` (at most 64)',
    check: (v) => ACCOUNT_NAME_PATTERN.test(v),
  }),
  api_key: text('', 'The DeepSeek API key of this account (or `api_key_file`); never logged, never shown.', { secret: true }),
  api_key_file: text('', 'File holding the API key (trimmed); relative to the config file.', { path: 'file', contentOf: 'api_key' }),
  base_url: text('', 'Base URL of this account; empty = `deepseek.base_url`.', {
    label: 'http(s) URL or ""',
    check: (v) => v === '' || httpUrl(v),
  }),
  max_concurrency: integer(0, 'Cluster-wide cap on requests in flight on this key (every worker and host sharing the Redis); 0 = none.', { min: 0 }),
  weight: number(1, 'Share of new requests among the healthy accounts with room (combined with their free room).'),
  models: list(z.string().min(1), 'model names', [], 'Only these models are sent to this account; empty = every model.'),
  low_balance: number(
    0,
    'A balance below this (in any currency the account reports) logs a warning, is flagged in the console and sends an `account_low_balance` alert (`[alerts]`, once per dip); 0 = no warning.',
    {
      allowZero: true,
    },
  ),
  enabled: flag(true, 'false keeps the account configured but out of rotation.'),
};

// ---- the schema -------------------------------------------------------------------------------

export const configSchema = z.object({
  server: section('The public HTTP listener of the gateway workers.', {
    host: text('0.0.0.0', 'Address the gateway workers listen on.', {
      required: true,
      label: 'host name or IP address',
    }),
    port: integer(8877, 'TCP port of the OpenAI-compatible API; all workers share it.', {
      min: 1,
      max: 65535,
    }),
    workers: integer(0, 'Number of HTTP worker processes; 0 = one per CPU core.', { min: 0 }),
    max_body_bytes: integer(1048576, 'Largest accepted request body in bytes; bigger bodies get 413 `request_too_large`.', { min: 1 }),
    max_header_bytes: integer(
      16384,
      'Largest accepted header block in bytes; bigger ones get 431 `headers_too_large` and the connection is closed. The bundled uWS build resets connections whose headers pass ~72 KB before the gateway sees them, so at most 65536.',
      { min: 1024, max: 65536 },
    ),
    shutdown_grace_seconds: number(30, 'On SIGTERM, how long in-flight requests may run before the workers are stopped.'),
    instance_id: text('', 'Identifies this gateway host (e.g. for its usage outbox); empty = `<hostname>:<port>`.'),
  }),

  deepseek: section('The upstream DeepSeek API.', {
    api_key: text('', 'DeepSeek API key; empty = demo mode against the built-in mock upstream.', {
      secret: true,
      envAliases: ['DEEPSEEK_API_KEY'],
    }),
    api_key_file: text('', 'File holding the API key (trimmed); when set, its content replaces `api_key`.', { path: 'file', contentOf: 'deepseek.api_key' }),
    base_url: text('https://api.deepseek.com', 'Base URL of the upstream API.', {
      required: true,
      label: 'http(s) URL',
      check: httpUrl,
    }),
    send_user_id: flag(
      true,
      "Pass a stable opaque id per gateway user to DeepSeek as `user_id` (Anthropic format: `metadata.user_id`); a client's own `user_id` or `user` (`metadata.user_id`) is folded into it as a per-end-user id. Off: the client's fields pass untouched.",
    ),
    models: list(
      z.string().min(1),
      'model names',
      [...DEFAULT_MODELS],
      'Models listed by `GET /models`, and the models a token without a `models` claim may use.',
      { nonEmpty: true },
    ),
    http_client: section("The upstream connection pool of each worker (the seed's keys, same names and defaults).", {
      pool_max_idle_per_host: integer(
        20,
        'Seed compatibility: undici has no idle-only cap, so idle connections are bounded by max_connections and closed after pool_idle_timeout_seconds.',
        { min: 0 },
      ),
      pool_idle_timeout_seconds: number(90, 'How long an idle upstream connection is kept open (undici `keepAliveTimeout`).'),
      connect_timeout_seconds: number(10, 'TCP + TLS connect deadline for a new upstream connection.'),
      timeout_seconds: number(60, 'Deadline for the response headers of every request, and the total deadline of a non-stream request.'),
      stream_timeout_seconds: number(300, 'Longest silence allowed between two chunks of a streamed response.'),
      tcp_nodelay: flag(true, "Disable Nagle's algorithm on upstream sockets."),
      http2_adaptive_window: flag(
        true,
        'Use HTTP/2 when the upstream offers it (ALPN, https only; undici `allowH2`); undici has no adaptive flow-control window.',
      ),
      max_connections: integer(0, 'Most upstream connections per worker (undici Pool `connections`); 0 = unlimited.', { min: 0 }),
    }),
    max_attempts: integer(3, 'Most upstream attempts per request (the first one included) when an account fails before any byte reached the client.', {
      min: 1,
      max: 10,
    }),
    balance_interval_seconds: number(300, "How often each account's balance is read (`GET /user/balance`); 0 = never.", { allowZero: true }),
    breaker: section('The circuit breaker of each upstream account (per worker).', {
      failure_threshold: integer(5, 'Consecutive failures that open the breaker.', { min: 1 }),
      error_ratio: number(0.5, 'Failure ratio over `window_seconds` that opens the breaker (with at least `min_requests`); 1 = off.'),
      window_seconds: number(30, 'The sliding window of the failure ratio.'),
      min_requests: integer(10, 'Fewest requests in the window before the ratio is considered.', { min: 1 }),
      cooldown_seconds: number(10, 'How long an open breaker keeps the account out of rotation before one probe request is let through.'),
    }),
    accounts: tableList(
      {
        description:
          'Several upstream accounts (API keys) with cluster-wide concurrency caps, failover and circuit breaking. When the list is empty, `deepseek.api_key` is the one account (named `default`). Set as a JSON array by `DSP_DEEPSEEK__ACCOUNTS`.',
        example: { name: 'main', api_key_file: '/run/secrets/deepseek-main', max_concurrency: 500, weight: 1, models: ['deepseek-v4-flash'], low_balance: 10 },
      },
      accountItem,
    ),
  }),

  models: section('Model names clients may use besides `deepseek.models`.', {
    aliases: map(
      'client name → upstream name',
      'Names rewritten before the request goes upstream, e.g. `{ "deepseek-chat" = "deepseek-v4-flash" }`; `GET /models` lists both, the ledger keeps both.',
    ),
  }),

  auth: section('Verification (gateway) and signing (admin, CLI) of the API tokens (JWTs).', {
    issuer: text('deepseek-proxy', 'Expected and issued `iss` claim.', { required: true }),
    audience: text('deepseek-proxy', 'Expected and issued `aud` claim.', { required: true }),
    algorithms: list(
      z.enum(JWT_ALGORITHMS),
      JWT_ALGORITHMS.map((a) => JSON.stringify(a)).join(' | '),
      ['ES256'],
      'Pinned signature algorithms; a token signed with any other is rejected. HS256 uses `secret`.',
      { nonEmpty: true },
    ),
    public_key_file: text('', 'PEM public key the gateway verifies tokens with.', {
      path: 'file',
    }),
    private_key_file: text('', 'PEM private key the admin console and CLI sign tokens with.', {
      path: 'file',
    }),
    secret: text('', 'Shared secret for HS256.', { secret: true }),
    secret_file: text('', 'File holding the HS256 secret (trimmed); when set, its content replaces `secret`.', { path: 'file', contentOf: 'auth.secret' }),
    key_id: text('', 'The `kid` header put in signed tokens (empty = none).'),
    previous_public_key_files: list(z.string().min(1), 'file paths', [], 'Extra verification keys accepted during a key rotation.', { path: 'files' }),
    unknown_users: oneOf(
      ['reject', 'allow'],
      'reject',
      'A validly signed token whose `sub` was never created as a user: "reject" answers 403 `unknown_user`; "allow" serves it with the `[quota]` defaults (for tokens minted by another system that never creates users here).',
    ),
  }),

  limits: section('Per-token concurrency and the Redis safety valves.', {
    token_concurrency: integer(1, 'In-flight requests allowed per token unless its `dsp.concurrency` claim says otherwise.', { min: 1 }),
    lock_lease_seconds: number(30, "Lease of a concurrency slot; renewed while a stream runs, so a dead worker's slot expires."),
    on_redis_error: oneOf(['reject', 'allow'], 'reject', 'When Redis is unreachable: "reject" answers 503, "allow" serves without quota and lock.'),
    redis_timeout_ms: integer(1000, 'Deadline of every hot-path Redis call, in milliseconds.', {
      min: 1,
    }),
    upstream_wait_ms: integer(
      0,
      'When every upstream account is at its `max_concurrency`: 0 = answer 429 `upstream_capacity` at once, else wait up to this long for a slot.',
      { min: 0, max: 600000 },
    ),
  }),

  quota: section('Default quotas, for users and tokens that have none of their own, and the currency of budgets.', {
    timezone: text('UTC', 'Time zone whose midnight starts a new day / month period.', {
      required: true,
      label: 'IANA time zone (e.g. "Asia/Shanghai")',
      check: isValidTimeZone,
    }),
    default_daily_requests: integer(0, 'Requests per user per day; 0 = unlimited.', { min: 0 }),
    default_daily_tokens: integer(0, 'Tokens (prompt + completion) per user per day; 0 = unlimited.', {
      min: 0,
    }),
    default_monthly_tokens: integer(0, 'Tokens per user per calendar month; 0 = unlimited.', {
      min: 0,
    }),
    budget_currency: text(
      'CNY',
      'Currency of the daily / monthly budgets (`dsp quota set --daily-budget`); spend in another currency is reported, not counted against a budget.',
      {
        required: true,
        label: 'ISO 4217 currency code (e.g. "CNY", "USD")',
        check: isKnownCurrency,
      },
    ),
  }),

  redis: section('Hot, rebuildable state: locks, counters, revocations, queues.', {
    url: text('redis://127.0.0.1:6379', 'Redis connection URL.', {
      required: true,
      label: 'redis:// or rediss:// URL',
      check: redisUrl,
      envAliases: ['REDIS_URL'],
    }),
    key_prefix: text('dsp:', 'Prefix of every Redis key (must not contain `{` or `}`).', {
      label: 'string without { }',
      check: (v) => !/[{}]/.test(v),
    }),
    cluster: flag(
      false,
      '`url` is a seed node of a Redis Cluster (every key of one request shares one hash slot). Refused with several `[[deepseek.accounts]]` or a `max_concurrency`: account slots are taken in the admission script beside the user keys, which cannot cross hash slots.',
    ),
  }),

  database: section('Postgres, the source of truth for users, tokens, quotas and usage.', {
    url: text('postgres://postgres@127.0.0.1:5432/deepseek_proxy', 'Postgres connection URL.', {
      required: true,
      label: 'postgres:// or postgresql:// URL',
      check: postgresUrl,
      envAliases: ['DATABASE_URL'],
    }),
    pool_size: integer(10, "Connections in each process's Postgres pool.", { min: 1 }),
  }),

  metrics: section('Prometheus metrics, served by the gateway primary at `/metrics`.', {
    host: text('127.0.0.1', 'Address of the metrics listener; loopback by default, so exposing the metrics is a deliberate choice.', {
      required: true,
      label: 'host name or IP address',
    }),
    port: integer(9464, 'Port of the metrics listener; 0 = disabled.', { min: 0, max: 65535 }),
    bearer_token: text('', 'When set, `/metrics` answers only requests with `Authorization: Bearer <token>` (401 otherwise).', { secret: true }),
    bearer_token_file: text('', 'File holding the bearer token (trimmed); when set, its content replaces `bearer_token`.', {
      path: 'file',
      contentOf: 'metrics.bearer_token',
    }),
    pool_log_interval_seconds: number(60, 'Interval of the pool status log line (active, idle, reuse rate); 0 = off.', { allowZero: true }),
    history_interval_seconds: number(
      60,
      "How often each gateway host adds what it served to the console's 24-hour dashboard history in Redis (one hash per minute, kept 25 h); 0 = off.",
      { allowZero: true },
    ),
  }),

  tracing: section(
    'OpenTelemetry traces of gateway requests, exported over OTLP/HTTP (JSON). Off while `otlp_endpoint` is empty, and then the SDK is not even loaded.',
    {
      otlp_endpoint: text(
        '',
        'OTLP/HTTP endpoint of a collector (e.g. `http://127.0.0.1:4318`); spans go to `<endpoint>/v1/traces` unless the URL already ends so. Empty = no tracing.',
        {
          label: 'empty or http(s) URL',
          check: (v) => v === '' || httpUrl(v),
        },
      ),
      sample_ratio: leaf(z.number().min(0).max(1).default(1), {
        kind: 'number',
        label: 'number 0..1',
        description: "Fraction of new traces recorded (by trace id); a request with a client's `traceparent` follows that parent's sampled flag.",
      }),
      service_name: text('deepseek-proxy-gateway', 'The `service.name` of the spans.', { required: true }),
    },
  ),

  log: section('Structured JSON logs (pino).', {
    level: oneOf(LOG_LEVELS, 'info', 'Lowest level written.'),
    pretty: flag(false, 'Human-readable log lines instead of JSON (for development only).'),
  }),

  usage: section('Usage events: gateway buffer, BullMQ queue and the Postgres recorder.', {
    flush_interval_ms: integer(100, 'How often a worker flushes its buffered usage events to the queue.', { min: 1 }),
    batch_size: integer(500, 'Most events per queue write (`addBulk`).', { min: 1 }),
    buffer_max_events: integer(10000, 'Events a worker buffers while the queue is unreachable; beyond this they are dropped (and counted).', { min: 1 }),
    recorder: flag(true, 'The gateway primary forks the usage recorder.'),
    recorder_batch_size: integer(500, 'Most events the recorder writes to Postgres at once.', {
      min: 1,
    }),
  }),

  pricing: mapSection(
    {
      description: 'Prices per 1M tokens of each model (the name sent upstream); a model without one costs nothing.',
      map: { doc: PRICING_DOC, example: PRICING_EXAMPLE },
    },
    (raw) => {
      const { pricing, problems } = parsePricing(raw);
      return { value: pricing, problems };
    },
  ),

  alerts: section('Budget and upstream account alerts: signed JSON POSTs to a webhook, delivered by the usage recorder through BullMQ.', {
    webhook_url: text('', 'Where alerts are POSTed; empty = no alerts.', {
      label: 'empty or http(s) URL',
      check: (v) => v === '' || httpUrl(v),
    }),
    secret: text('', 'HMAC-SHA256 key of the `x-dsp-signature` header (empty = unsigned).', { secret: true }),
    secret_file: text('', 'File holding the alert secret (trimmed); when set, its content replaces `secret`.', { path: 'file', contentOf: 'alerts.secret' }),
    budget_thresholds: numberList(
      z.number().gt(0).max(1),
      'fractions in (0, 1]',
      [0.8, 1],
      'Fractions of a budget at which an alert fires, once per user, period and threshold.',
    ),
    delivery_attempts: integer(8, 'Attempts per alert (exponential backoff from 1 s) before it is given up (and logged).', { min: 1, max: 50 }),
  }),

  admin: section('The admin console (Next.js).', {
    host: text('127.0.0.1', 'Address the admin console listens on.', {
      required: true,
      label: 'host name or IP address',
    }),
    port: integer(8878, 'Port of the admin console.', { min: 1, max: 65535 }),
    gateway_metrics_urls: list(
      z.string().refine(httpUrl, 'http(s) URL'),
      'http(s) URLs',
      ['http://127.0.0.1:9464/metrics'],
      'Gateway `/metrics` endpoints the console reads live metrics from (one per gateway host).',
    ),
    session_ttl_hours: number(12, "Lifetime of an operator's login session, in hours."),
    trusted_proxies: list(
      z.string().refine(isAddressOrCidr, 'IP address or CIDR'),
      'IP addresses or CIDR ranges',
      [],
      'Reverse proxies in front of the console: only a request from one of these may name the client address in `X-Forwarded-For` (sign-in throttling and the audit log use it).',
    ),
    public_url: text(
      '',
      'The URL operators open the console at (e.g. `https://dsp-admin.example.com`); the base of the single sign-on redirect URI `<public_url>/api/auth/oidc/callback`. Required with `[admin.oidc]`.',
      {
        label: 'empty or http(s) URL',
        check: (v) => v === '' || httpUrl(v),
      },
    ),
    local_passwords: flag(
      true,
      'Operators may sign in with a local username and password; `false` leaves single sign-on as the only way in (needs `[admin.oidc]`).',
    ),
    oidc: section('Single sign-on to the console with OpenID Connect (authorization code + PKCE). Off while `issuer` is empty.', {
      issuer: text(
        '',
        'Issuer URL of the OpenID provider (its discovery document is `<issuer>/.well-known/openid-configuration`); https, or http on a loopback address for testing.',
        {
          label: 'empty or https URL (http on loopback)',
          check: (v) => v === '' || isIssuerUrl(v),
        },
      ),
      client_id: text('', 'Client id of the console at the provider.'),
      client_secret: text('', 'Client secret of the console at the provider (sent with `client_secret_post`).', { secret: true }),
      client_secret_file: text('', 'File holding the client secret (trimmed); when set, its content replaces `client_secret`.', {
        path: 'file',
        contentOf: 'admin.oidc.client_secret',
      }),
      scopes: list(
        z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'scope name'),
        'scope names',
        ['openid', 'email', 'profile'],
        'Scopes asked for; must include `openid`. Add the one that releases the groups claim where the provider needs it (e.g. `groups`).',
      ),
      allowed_domains: list(
        z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'domain name'),
        'domain names',
        [],
        'Email domains allowed to sign in (the `email` claim, which must not be unverified); empty = any domain.',
      ),
      groups_claim: text(
        'groups',
        "The claim that lists the user's groups (ID token or userinfo); a dotted path reaches into objects (`realm_access.roles`).",
        {
          required: true,
        },
      ),
      admin_group: text('', 'Members of this group sign in with the admin role; `*` = everyone allowed by `allowed_domains`.'),
      viewer_group: text(
        '',
        'Members of this group (and not of `admin_group`) sign in as viewers (read-only); `*` = everyone allowed by `allowed_domains`. A user in neither group is refused.',
      ),
    }),
  }),
});

/** The parsed configuration, with the TOML names (snake_case). Loaded configs are deeply frozen. */
export type Config = z.infer<typeof configSchema>;
/** What a TOML file may contain (every key optional). */
export type ConfigInput = z.input<typeof configSchema>;

// ---- schema walking ---------------------------------------------------------------------------

export interface KeyInfo {
  /** ['deepseek', 'http_client', 'timeout_seconds'] */
  path: string[];
  /** 'deepseek.http_client.timeout_seconds' */
  dotted: string;
  /** 'DSP_DEEPSEEK__HTTP_CLIENT__TIMEOUT_SECONDS' */
  envVar: string;
  meta: KeyMeta;
  default: unknown;
}

export interface SectionInfo {
  path: string[];
  dotted: string;
  meta: SectionMeta;
  /** Leaf keys directly in this table, in schema order. */
  keys: KeyInfo[];
  /** Nested tables, in schema order. */
  sections: SectionInfo[];
  /** Arrays of tables directly in this table (their item keys are not in schemaKeys()). */
  lists: TableListInfo[];
}

export interface TableListInfo {
  /** ['deepseek', 'accounts'] */
  path: string[];
  dotted: string;
  envVar: string;
  meta: TableListMeta;
  /** The keys of one item; `path` is relative to the item (['api_key']). */
  keys: KeyInfo[];
}

export function envVarName(path: readonly string[]): string {
  return `DSP_${path.join('__').toUpperCase()}`;
}

function walk(shape: z.ZodRawShape, prefix: string[]): { keys: KeyInfo[]; sections: SectionInfo[]; lists: TableListInfo[] } {
  const keys: KeyInfo[] = [];
  const sections: SectionInfo[] = [];
  const lists: TableListInfo[] = [];
  for (const [name, child] of Object.entries(shape)) {
    const path = [...prefix, name];
    const lm = tableListMeta.get(child);
    if (lm) {
      const item = (child as unknown as z.ZodDefault<z.ZodArray<z.ZodObject>>).unwrap().element;
      const itemKeys = walk(item.shape, []).keys;
      lists.push({ path, dotted: path.join('.'), envVar: envVarName(path), meta: lm, keys: itemKeys });
      continue;
    }
    const km = keyMeta.get(child);
    if (km) {
      const dflt = (child as unknown as z.ZodDefault<z.ZodType>).def.defaultValue;
      keys.push({ path, dotted: path.join('.'), envVar: envVarName(path), meta: km, default: dflt });
      continue;
    }
    const sm = sectionMeta.get(child);
    if (!sm) throw new Error(`config schema: ${path.join('.')} has no metadata`);
    if (sm.map) {
      sections.push({ path, dotted: path.join('.'), meta: sm, keys: [], sections: [], lists: [] });
      continue;
    }
    const inner = (child as unknown as z.ZodPrefault<z.ZodObject>).unwrap();
    const sub = walk(inner.shape, path);
    sections.push({ path, dotted: path.join('.'), meta: sm, ...sub });
  }
  return { keys, sections, lists };
}

let cachedSections: SectionInfo[] | undefined;
let cachedKeys: Map<string, KeyInfo> | undefined;

/** The top-level sections of the schema, with their keys and nested tables, in schema order. */
export function schemaSections(): SectionInfo[] {
  cachedSections ??= walk(configSchema.shape, []).sections;
  return cachedSections;
}

function collectKeys(sections: SectionInfo[], into: Map<string, KeyInfo>): void {
  for (const s of sections) {
    for (const k of s.keys) into.set(k.dotted, k);
    collectKeys(s.sections, into);
  }
}

/** Every leaf key by dotted path, in schema order. */
export function schemaKeys(): Map<string, KeyInfo> {
  if (!cachedKeys) {
    cachedKeys = new Map();
    collectKeys(schemaSections(), cachedKeys);
  }
  return cachedKeys;
}

/** Every array of tables by dotted path. */
export function schemaLists(): Map<string, TableListInfo> {
  const out = new Map<string, TableListInfo>();
  const visit = (list: SectionInfo[]) => {
    for (const s of list) {
      for (const l of s.lists) out.set(l.dotted, l);
      visit(s.sections);
    }
  };
  visit(schemaSections());
  return out;
}

/** Every table (section) by dotted path. */
export function schemaTables(): Map<string, SectionInfo> {
  const out = new Map<string, SectionInfo>();
  const visit = (list: SectionInfo[]) => {
    for (const s of list) {
      out.set(s.dotted, s);
      visit(s.sections);
    }
  };
  visit(schemaSections());
  return out;
}
