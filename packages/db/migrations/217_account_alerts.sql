-- Upstream account alerts: one row per transition of an account into a state worth telling an
-- operator about — disabled by the upstream (401 key refused, 402 balance spent) or its balance
-- below `low_balance`. `since_ms` is the transition's time as the gateways wrote it in Redis (the
-- `{acct}:disabled` / `{acct}:low` hash), the same for every recorder that sees it: the unique key
-- makes each transition alert once whichever recorder, on whichever host, saw it first. `payload`
-- is the JSON POSTed, kept as text so a resend after a restart sends the same bytes.
CREATE TABLE account_alerts (
  id           bigserial PRIMARY KEY,
  account      text NOT NULL,
  type         text NOT NULL CHECK (type IN ('account_disabled', 'account_low_balance')),
  since_ms     bigint NOT NULL,
  payload      text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz,
  CONSTRAINT account_alerts_once UNIQUE (account, type, since_ms)
);
