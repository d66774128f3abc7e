-- Rotation with a grace period: the replaced token keeps working until `retire_at`, then the
-- recorder's sweeper revokes it (revoked_at = retire_at, added to Redis). A retiring token no
-- longer holds its name, so the new token can take it.
ALTER TABLE tokens ADD COLUMN retire_at timestamptz;
DROP INDEX tokens_user_live_name_key;
CREATE UNIQUE INDEX tokens_user_live_name_key ON tokens (user_id, name) WHERE revoked_at IS NULL AND retire_at IS NULL;
CREATE INDEX tokens_retire_due_idx ON tokens (retire_at) WHERE retire_at IS NOT NULL AND revoked_at IS NULL;
