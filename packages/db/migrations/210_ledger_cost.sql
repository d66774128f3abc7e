-- What each request cost, priced when its usage was final at the price in force at its start
-- ([pricing."<model>"], off-peak hours and dated changes applied). Exact: NUMERIC with 9 decimal
-- places (nanos of the currency), never a binary float. currency '' = the model had no price (the
-- request cost nothing); rows written before this migration have cost 0 and currency ''.
ALTER TABLE usage_ledger
  ADD COLUMN cost numeric(30, 9) NOT NULL DEFAULT 0 CHECK (cost >= 0),
  ADD COLUMN currency text NOT NULL DEFAULT '' CHECK (currency ~ '^([A-Z]{3})?$');
