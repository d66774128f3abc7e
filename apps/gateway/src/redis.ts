// The worker's Redis connection: scripts registered once, every hot-path call with a deadline, no
// offline queue (a request never waits for a reconnect; it gets 503 or is admitted per config).
import { Redis } from 'ioredis';
import { SCRIPTS } from '@dsp/core';

type ScriptArg = string | number;

export interface GatewayRedis extends Redis {
  dspAdmitV1(...args: ScriptArg[]): Promise<number[]>;
  dspFinishV2(...args: ScriptArg[]): Promise<number>;
  dspFinishNoOutboxV2(...args: ScriptArg[]): Promise<number>;
  dspRenewV1(...args: ScriptArg[]): Promise<number>;
}

export function defineScripts(r: Redis): void {
  for (const [name, s] of Object.entries(SCRIPTS)) r.defineCommand(name, { numberOfKeys: s.numberOfKeys, lua: s.lua });
}

export function connectRedis(url: string, timeoutMs: number, onState: (ready: boolean) => void): GatewayRedis {
  const r = new Redis(url, {
    commandTimeout: timeoutMs,
    connectTimeout: Math.max(timeoutMs, 2000),
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    maxRetriesPerRequest: 0,
    retryStrategy: (times) => Math.min(50 * 2 ** times, 1000),
    lazyConnect: false,
  });
  r.on('ready', () => onState(true));
  r.on('end', () => onState(false));
  r.on('close', () => onState(false));
  r.on('error', () => {
    /* reported through state changes and failed commands */
  });
  defineScripts(r);
  return r as GatewayRedis;
}
