-- Per-user quota values become explicit: NULL = the [quota] default, -1 = unlimited, 0 = blocks,
-- N > 0 = the limit. Until now 0 meant unlimited, so existing 0s become -1 (nothing changes for
-- those users); negative values other than -1 are refused.
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_daily_requests_check;
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_daily_tokens_check;
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_monthly_tokens_check;
-- updated_at moves forward so that the next sync rewrites the users' Redis hashes
UPDATE users SET
  daily_requests = CASE WHEN daily_requests = 0 THEN -1 ELSE daily_requests END,
  daily_tokens = CASE WHEN daily_tokens = 0 THEN -1 ELSE daily_tokens END,
  monthly_tokens = CASE WHEN monthly_tokens = 0 THEN -1 ELSE monthly_tokens END,
  updated_at = greatest(clock_timestamp(), updated_at + interval '1 microsecond')
WHERE daily_requests = 0 OR daily_tokens = 0 OR monthly_tokens = 0;
ALTER TABLE users ADD CONSTRAINT users_daily_requests_check CHECK (daily_requests >= -1);
ALTER TABLE users ADD CONSTRAINT users_daily_tokens_check CHECK (daily_tokens >= -1);
ALTER TABLE users ADD CONSTRAINT users_monthly_tokens_check CHECK (monthly_tokens >= -1);
COMMENT ON COLUMN users.daily_requests IS 'NULL = [quota] default, -1 = unlimited, 0 = blocked, N = limit';
