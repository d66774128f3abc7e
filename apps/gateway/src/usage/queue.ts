import type { ConnectionOptions } from 'bullmq';

/** BullMQ connections: its own (it needs maxRetriesPerRequest: null), from the same URL. */
export function queueConnection(url: string): ConnectionOptions {
  return { url, maxRetriesPerRequest: null, enableOfflineQueue: true } as ConnectionOptions;
}
