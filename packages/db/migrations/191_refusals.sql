-- Requests the gateway refused before any upstream call (401 / 403 / 429 / 413 / 400 …), counted
-- per calendar day (quota timezone), user, token and reason. The recorder adds batches to these
-- counters off the request path; '' stands for "not known" (e.g. a token that did not verify).
CREATE TABLE refusals (
  day        date NOT NULL,
  user_id    text NOT NULL DEFAULT '',
  token_id   text NOT NULL DEFAULT '',
  reason     text NOT NULL CHECK (reason ~ '^[a-z_]{1,64}$'),
  status     smallint NOT NULL,
  count      bigint NOT NULL CHECK (count > 0),
  last_at    timestamptz NOT NULL,
  PRIMARY KEY (day, user_id, token_id, reason)
);
CREATE INDEX refusals_user_idx ON refusals (user_id, day);
