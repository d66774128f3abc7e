-- Spending budgets in [quota] budget_currency: a user's daily and monthly budget, and the same per
-- token. NULL = no budget; 0 blocks every request. Exact like the ledger's cost: NUMERIC with 9
-- decimal places (nanos), never a binary float. Redis holds them in the user hash as nanos.
ALTER TABLE users
  ADD COLUMN daily_budget numeric(30, 9) CHECK (daily_budget >= 0),
  ADD COLUMN monthly_budget numeric(30, 9) CHECK (monthly_budget >= 0);
ALTER TABLE tokens
  ADD COLUMN daily_budget numeric(30, 9) CHECK (daily_budget >= 0),
  ADD COLUMN monthly_budget numeric(30, 9) CHECK (monthly_budget >= 0);
-- the sync reads the budgets of a user's live tokens into the user hash
CREATE INDEX tokens_budget_idx ON tokens (user_id) WHERE daily_budget IS NOT NULL OR monthly_budget IS NOT NULL;
