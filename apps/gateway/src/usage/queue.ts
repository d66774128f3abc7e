import type { ConnectionOptions } from 'bullmq';
import { redisClient, redisPolicies } from '@dsp/db/redis';

/**
 * BullMQ connections: its own (it needs maxRetriesPerRequest: null), from the same URL. On Redis
 * Cluster an ioredis Cluster, with the queue prefix as a hash tag (keys.queuePrefix) so that all of
 * a queue's keys live in one slot, as BullMQ's scripts require. On a single node, options: BullMQ
 * then makes (and closes) its connections itself.
 */
export function queueConnection(url: string, cluster = false): ConnectionOptions {
  const policy = redisPolicies.queue;
  if (cluster) return redisClient(url, true, policy);
  return { url, ...policy.node, ...policy.client };
}
