// The dashboard's 24-hour history, read back from the per-minute hashes the gateway primaries
// write (format in @dsp/core history.ts): one point per minute, idle minutes as zeros.
import { HISTORY_MINUTES, keys, minuteOf, minutePoint, type MinutePoint } from '@dsp/core';
import { ServiceError } from '../errors.js';
import { redisReason } from '../redis.js';
import type { ServiceContext } from './context.js';

export interface HistoryService {
  /** the last `minutes` minutes, oldest first, the current one (still filling) last; default and at most 24 h */
  minutes(minutes?: number): Promise<MinutePoint[]>;
}

export function createHistoryService(ctx: ServiceContext): HistoryService {
  return {
    async minutes(count = HISTORY_MINUTES) {
      const n = Math.max(1, Math.min(HISTORY_MINUTES, Math.floor(count)));
      const last = minuteOf(ctx.now());
      const wanted = Array.from({ length: n }, (_, i) => last - n + 1 + i);
      let replies: [Error | null, unknown][];
      try {
        const p = ctx.redis.pipeline();
        for (const m of wanted) p.hgetall(keys.historyMinute(ctx.prefix, m));
        replies = (await p.exec()) ?? [];
      } catch (e) {
        throw new ServiceError('redis_unavailable', `the dashboard history cannot be read: Redis is unreachable (${redisReason(e)})`, { cause: e });
      }
      return wanted.map((m, i) => minutePoint(m, (replies[i]?.[1] as Record<string, string> | undefined) ?? {}));
    },
  };
}
