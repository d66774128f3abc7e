// The [redis] and [database] sections: hot rebuildable state, and the source of truth.
import { text, integer, flag, section } from '../schema-builders.js';
import { redisUrl, postgresUrl } from '../value-checks.js';

export const redisSection = section('Hot, rebuildable state: locks, counters, revocations, queues.', {
  url: text('redis://127.0.0.1:6379', 'Redis connection URL.', {
    required: true,
    label: 'redis:// or rediss:// URL',
    check: redisUrl,
    envAliases: ['REDIS_URL'],
  }),
  key_prefix: text('dsp:', 'Prefix of every Redis key (must not contain `{` or `}`).', {
    label: 'string without { }',
    check: (v) => !/[{}]/.test(v),
  }),
  cluster: flag(
    false,
    '`url` is a seed node of a Redis Cluster (every key of one request shares one hash slot). With several `[[deepseek.accounts]]` or a `max_concurrency`, the account slot is taken in a second call after the admission (its keys are in another hash slot).',
  ),
});

export const databaseSection = section('Postgres, the source of truth for users, tokens, quotas and usage.', {
  url: text('postgres://postgres@127.0.0.1:5432/deepseek_proxy', 'Postgres connection URL.', {
    required: true,
    label: 'postgres:// or postgresql:// URL',
    check: postgresUrl,
    envAliases: ['DATABASE_URL'],
  }),
  pool_size: integer(10, "Connections in each process's Postgres pool.", { min: 1 }),
});
