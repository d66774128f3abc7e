-- Budget alerts: one row per user, period and threshold crossed. The unique key is what makes each
-- threshold fire once per user and period, whichever recorder saw the crossing first and however
-- often a batch is retried; delivered_at is set once the webhook accepted it.
CREATE TABLE budget_alerts (
  id           bigserial PRIMARY KEY,
  user_id      text NOT NULL,
  period       text NOT NULL CHECK (period IN ('daily', 'monthly')),
  -- the period in [quota] timezone: YYYYMMDD or YYYYMM
  period_key   text NOT NULL CHECK (period_key ~ '^\d{6}(\d{2})?$'),
  threshold    numeric(10, 9) NOT NULL CHECK (threshold > 0 AND threshold <= 1),
  spent        numeric(30, 9) NOT NULL,
  budget       numeric(30, 9) NOT NULL,
  currency     text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz,
  CONSTRAINT budget_alerts_once UNIQUE (user_id, period, period_key, threshold)
);
