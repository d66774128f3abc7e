-- Upstream accounts: the ledger records which account served each request and how many upstream
-- attempts it took (1 = no failover). Rows written before this migration have account '' and 1.
ALTER TABLE usage_ledger
  ADD COLUMN account text NOT NULL DEFAULT '',
  ADD COLUMN attempts smallint NOT NULL DEFAULT 1;
CREATE INDEX usage_ledger_account_started_idx ON usage_ledger (account, started_at);
