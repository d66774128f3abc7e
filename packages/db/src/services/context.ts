// What every service shares: the pool, the Redis client, the config slice, who is acting.
import type { Signer } from '@dsp/core';
import type { ServicesConfig } from '../config.js';
import type { Pool } from '../pool.js';
import type { RedisClient } from '../redis.js';

export interface ServiceContext {
  pool: Pool;
  redis: RedisClient;
  config: ServicesConfig;
  /** config.redis.key_prefix */
  prefix: string;
  /** recorded in audit_log.actor, e.g. 'cli:alice' or 'admin:root' */
  actor: string;
  /** the token signer, created on first use */
  signer(): Promise<Signer>;
  /** epoch ms; overridable in tests */
  now(): number;
}

/** Map a pg row timestamp (Date, or null) through unchanged; counts (bigint as text) to numbers. */
export const toNum = (v: unknown): number => (v == null ? 0 : Number(v));
export const toNumOrNull = (v: unknown): number | null => (v == null ? null : Number(v));
