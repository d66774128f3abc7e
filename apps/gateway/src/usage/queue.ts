import type { ConnectionOptions } from 'bullmq';
import { clusterFromUrl } from '@dsp/db/redis';

/**
 * BullMQ connections: its own (it needs maxRetriesPerRequest: null), from the same URL. On Redis
 * Cluster an ioredis Cluster, with the queue prefix as a hash tag (keys.queuePrefix) so that all of
 * a queue's keys live in one slot, as BullMQ's scripts require.
 */
export function queueConnection(url: string, cluster = false): ConnectionOptions {
  if (cluster) return clusterFromUrl(url, { redisOptions: { maxRetriesPerRequest: null }, enableOfflineQueue: true }) as unknown as ConnectionOptions;
  return { url, maxRetriesPerRequest: null, enableOfflineQueue: true } as ConnectionOptions;
}
