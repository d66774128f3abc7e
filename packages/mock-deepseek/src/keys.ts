// Per-API-key behaviour: refused (401), spent (402), an in-flight cap (429), a balance, behaviour overrides.

import type { IncomingHttpHeaders } from 'node:http';
import { applyBehaviour, type Behaviour, type MockBehaviour } from './behaviour.js';
import { BALANCE_JSON } from './content.js';

/** One entry of DeepSeek's `GET /user/balance` `balance_infos` (amounts are decimal strings). */
export interface BalanceInfo {
  currency: string;
  total_balance: string;
  granted_balance: string;
  topped_up_balance: string;
}

export interface KeyBehaviour extends MockBehaviour {
  /** admitted completions in flight on this key at once; one more gets 429. 0 or absent = no cap. */
  maxConcurrency?: number;
  /** every request with this key gets 401, like a revoked key. */
  refused?: boolean;
  /** completions get 402 Insufficient Balance; the balance says `is_available: false`. */
  spent?: boolean;
  /** what GET /user/balance answers: a CNY total such as "12.50", or DeepSeek's `balance_infos` list. */
  balance?: string | BalanceInfo[];
}

/** The key a request carries: `Authorization: Bearer <key>` first, else `x-api-key` (Anthropic clients). */
export function requestKey(headers: IncomingHttpHeaders): string {
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7);
  const x = headers['x-api-key'];
  return typeof x === 'string' ? x : '';
}

export function maskKey(key: string): string {
  return '****' + key.slice(-4);
}

function balanceInfos(b: string | BalanceInfo[]): BalanceInfo[] {
  if (typeof b !== 'string') return b;
  return [{ currency: 'CNY', total_balance: b, granted_balance: '0.00', topped_up_balance: b }];
}

/** DeepSeek's balance document for a key: `is_available` is false when spent or when no total is above zero. */
export function balanceJson(k: KeyBehaviour | undefined): string {
  if (k === undefined || (k.balance === undefined && k.spent !== true)) return BALANCE_JSON;
  const infos = balanceInfos(k.balance ?? '0.00');
  // a string comparison keeps amounts exact: any non-zero digit means a positive total (negative totals do not occur)
  const positive = infos.some((i) => /[1-9]/.test(i.total_balance) && !i.total_balance.startsWith('-'));
  return JSON.stringify({ is_available: k.spent !== true && positive, balance_infos: infos });
}

/** The behaviour fields of a key entry over the run-time defaults. */
export function keyDefaults(defaults: Behaviour, k: KeyBehaviour | undefined): Behaviour {
  return k === undefined ? defaults : applyBehaviour(defaults, k as Record<string, unknown>);
}

/** Checks a keys map given as options, over the CLI or the control route; throws on nonsense. */
export function validateKeys(keys: unknown): Record<string, KeyBehaviour | null> {
  if (keys === null || typeof keys !== 'object' || Array.isArray(keys)) throw new Error('keys must be an object of key → behaviour');
  for (const [key, v] of Object.entries(keys as Record<string, unknown>)) {
    if (key === '') throw new Error('a key must not be empty');
    if (v === null) continue;
    if (typeof v !== 'object' || Array.isArray(v)) throw new Error(`keys.${key} must be an object or null`);
    const k = v as Record<string, unknown>;
    const cap = k.maxConcurrency;
    if (cap !== undefined && (typeof cap !== 'number' || !Number.isInteger(cap) || cap < 0)) {
      throw new Error(`keys.${key}.maxConcurrency must be an integer ≥ 0`);
    }
    for (const f of ['refused', 'spent'] as const) {
      if (k[f] !== undefined && typeof k[f] !== 'boolean') throw new Error(`keys.${key}.${f} must be a boolean`);
    }
    const bal = k.balance;
    if (bal !== undefined) {
      const ok =
        (typeof bal === 'string' && /^-?\d+(\.\d+)?$/.test(bal)) ||
        (Array.isArray(bal) &&
          bal.every(
            (i) =>
              i !== null &&
              typeof i === 'object' &&
              ['currency', 'total_balance', 'granted_balance', 'topped_up_balance'].every((f) => typeof (i as Record<string, unknown>)[f] === 'string'),
          ));
      if (!ok) throw new Error(`keys.${key}.balance must be a decimal string or a list of balance_infos entries`);
    }
  }
  return keys as Record<string, KeyBehaviour | null>;
}
