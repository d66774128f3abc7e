// The account checks before any answer, in DeepSeek's order: down, authentication, balance, the key's cap.

import { Refusal } from './errors.js';
import type { Ctx } from './http-out.js';
import { maskKey, validateKeys, type KeyBehaviour } from './keys.js';
import type { Records } from './records.js';
import { isCompletion, type Route } from './routes.js';

/** `503`: every request gets 503 (overloaded); `refuse`: the port is closed (connection refused). */
export type DownMode = false | '503' | 'refuse';

export class Gate {
  readonly keys = new Map<string, KeyBehaviour>();
  down: DownMode;

  constructor(
    private readonly records: Records,
    private readonly requireKey: string | undefined,
    keys: Record<string, KeyBehaviour> | undefined,
    down: DownMode,
  ) {
    for (const [k, v] of Object.entries(validateKeys(keys ?? {}))) if (v !== null) this.keys.set(k, v);
    this.down = down;
  }

  setKey(key: string, b: KeyBehaviour | null): void {
    validateKeys({ [key]: b });
    if (b === null) this.keys.delete(key);
    else this.keys.set(key, b);
  }

  /** null when the request may be answered; an admitted completion then counts against its key's cap until it closes. */
  check(ctx: Ctx, route: Route): Refusal | null {
    const records = this.records;
    const completion = isCompletion(route);
    if (completion && ctx.key !== '') records.key(ctx.key).requests++;
    if (this.down === '503') return new Refusal(503);
    const k = this.keys.get(ctx.key);
    if ((this.requireKey !== undefined && ctx.key !== this.requireKey) || k?.refused === true) {
      return new Refusal(401, ctx.key === '' ? undefined : 'Authentication Fails, Your api key: ' + maskKey(ctx.key) + ' is invalid');
    }
    if (!completion) return null;
    if (k?.spent === true) return new Refusal(402);
    if (k?.maxConcurrency !== undefined && k.maxConcurrency > 0 && records.key(ctx.key).inFlight >= k.maxConcurrency) {
      records.key(ctx.key).overCap++;
      return new Refusal(429, 'Rate Limit Reached: too many requests in flight on this API key');
    }
    if (ctx.key !== '') {
      records.keyAdmit(ctx.key);
      ctx.admitted = true;
    }
    return null;
  }
}
