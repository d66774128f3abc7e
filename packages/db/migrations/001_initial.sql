-- deepseek-proxy: the source of truth for users, tokens, quotas, the usage ledger and the console.

-- Gateway users: `id` is the JWT `sub`. NULL quotas mean "the [quota] defaults of the config".
CREATE TABLE users (
  id             text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._@:-]{1,128}$'),
  name           text,
  status         text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  daily_requests bigint CHECK (daily_requests >= 0),
  daily_tokens   bigint CHECK (daily_tokens >= 0),
  monthly_tokens bigint CHECK (monthly_tokens >= 0),
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);

-- API tokens: `id` is the JWT `jti`. The JWT itself is never stored, only a display hint.
CREATE TABLE tokens (
  id          text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._@:-]{1,128}$'),
  user_id     text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
  hint        text NOT NULL,
  concurrency integer CHECK (concurrency BETWEEN 1 AND 1000),
  models      text[],
  expires_at  timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz,
  CONSTRAINT tokens_user_name_key UNIQUE (user_id, name)
);
CREATE INDEX tokens_revoked_idx ON tokens (user_id) WHERE revoked_at IS NOT NULL;

-- One row per finished gateway request, written by the usage recorder (idempotent on request_id).
-- No foreign keys: the ledger must accept every event the gateway produced.
CREATE TABLE usage_ledger (
  request_id        text PRIMARY KEY,
  token_id          text NOT NULL,
  user_id           text NOT NULL,
  model             text NOT NULL,
  route             text NOT NULL,
  stream            boolean NOT NULL,
  status            integer NOT NULL,
  prompt_tokens     integer NOT NULL DEFAULT 0,
  completion_tokens integer NOT NULL DEFAULT 0,
  cache_hit_tokens  integer NOT NULL DEFAULT 0,
  cache_miss_tokens integer NOT NULL DEFAULT 0,
  reasoning_tokens  integer NOT NULL DEFAULT 0,
  first_byte_ms     integer,
  total_ms          integer NOT NULL,
  started_at        timestamptz NOT NULL,
  aborted           boolean NOT NULL DEFAULT false,
  instance          text NOT NULL DEFAULT '',
  recorded_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX usage_ledger_user_started_idx ON usage_ledger (user_id, started_at);
CREATE INDEX usage_ledger_started_idx ON usage_ledger (started_at);
CREATE INDEX usage_ledger_token_started_idx ON usage_ledger (token_id, started_at);

-- Operators of the admin console. password_hash = scrypt$N$r$p$salt$hash (base64).
CREATE TABLE admins (
  id            text PRIMARY KEY,
  username      text NOT NULL,
  password_hash text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  disabled_at   timestamptz
);
CREATE UNIQUE INDEX admins_username_key ON admins (lower(username));

-- Console sessions: `id` is the sha256 (hex) of the secret in the cookie; the secret is not stored.
CREATE TABLE admin_sessions (
  id         text PRIMARY KEY,
  admin_id   text NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX admin_sessions_expires_idx ON admin_sessions (expires_at);

-- Every mutation made through the service layer (CLI or console), with who made it.
CREATE TABLE audit_log (
  id      bigserial PRIMARY KEY,
  at      timestamptz NOT NULL DEFAULT now(),
  actor   text NOT NULL,
  action  text NOT NULL,
  target  text,
  details jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
