-- Operators' own notes and labels on a user (labels are found by the console's search and
-- `dsp user list --label`), and soft deletion: a deleted user is disabled, its tokens revoked and
-- it leaves the lists, while the ledger keeps every row that names it.
ALTER TABLE users
  ADD COLUMN notes text NOT NULL DEFAULT '' CHECK (length(notes) <= 2000),
  ADD COLUMN labels text[] NOT NULL DEFAULT '{}',
  ADD COLUMN deleted_at timestamptz;
CREATE INDEX users_labels_idx ON users USING gin (labels);
