-- Refusal batches already added to the counters: a batch is one BullMQ job of a gateway's tally,
-- named by a random id the gateway gives it. A job that BullMQ runs twice (the recorder died after
-- the commit but before the job was marked done, so it came back as stalled) must not count its
-- refusals twice: the insert of the id and the counters' upsert are one statement. Rows are kept a
-- day, far longer than any retry, and pruned by the same statement.
CREATE TABLE refusal_batches (
  id          uuid PRIMARY KEY,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refusal_batches_recorded_at ON refusal_batches (recorded_at);
