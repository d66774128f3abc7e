/** Usage jobs are retried for hours (a Postgres outage); retention is bounded. */
export const USAGE_JOB_OPTIONS = {
  attempts: 5000,
  backoff: { type: 'custom' },
  removeOnComplete: { count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;
