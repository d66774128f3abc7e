// The [deepseek] and [models] sections: the upstream API, its accounts and pool, and client model names.
import { z } from 'zod';
import { text, integer, number, flag, list, map, section, tableList } from '../schema-builders.js';
import { ACCOUNT_NAME_PATTERN, DEFAULT_MODELS, httpUrl } from '../value-checks.js';

/** The keys of one `[[deepseek.accounts]]` item. */
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

export const deepseekSection = section('The upstream DeepSeek API.', {
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
});

export const modelsSection = section('Model names clients may use besides `deepseek.models`.', {
  aliases: map(
    'client name → upstream name',
    'Names rewritten before the request goes upstream, e.g. `{ "deepseek-chat" = "deepseek-v4-flash" }`; `GET /models` lists both, the ledger keeps both.',
  ),
});
