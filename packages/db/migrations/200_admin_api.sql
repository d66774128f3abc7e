-- The admin REST API (/api/v1): its keys, its idempotency records, and token names that a revoked
-- token gives back (so a rotation keeps the name).

-- API keys: the secret is shown once; only its sha256 (hex) is stored. A name is unique among the
-- keys that are not revoked; every call is audited as `apikey:<name>`.
CREATE TABLE admin_api_keys (
  id           text PRIMARY KEY,
  name         text NOT NULL CHECK (name ~ '^[A-Za-z0-9._-]{1,64}$'),
  role         text NOT NULL CHECK (role IN ('admin', 'viewer')),
  secret_hash  text NOT NULL UNIQUE,
  hint         text NOT NULL,
  created_by   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at   timestamptz
);
CREATE UNIQUE INDEX admin_api_keys_live_name_key ON admin_api_keys (lower(name)) WHERE revoked_at IS NULL;

-- One row per Idempotency-Key a caller used on a create: what the request was (a hash) and what it
-- made, so a retry gets the same resource instead of a second one.
CREATE TABLE api_idempotency (
  principal   text NOT NULL,
  key         text NOT NULL,
  fingerprint text NOT NULL,
  resource    text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (principal, key)
);
CREATE INDEX api_idempotency_created_idx ON api_idempotency (created_at);

ALTER TABLE tokens DROP CONSTRAINT tokens_user_name_key;
CREATE UNIQUE INDEX tokens_user_live_name_key ON tokens (user_id, name) WHERE revoked_at IS NULL;
