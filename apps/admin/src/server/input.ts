// Shapes the JSON bodies of the route handlers into the service layer's inputs. Only types and
// presence are checked here; the rules (ranges, formats, uniqueness) are the service layer's.
import 'server-only';
import { BadRequest } from './api';

export function str(body: Record<string, unknown>, key: string, { optional = false } = {}): string | undefined {
  const v = body[key];
  if (v === undefined || v === null || v === '') {
    if (optional) return undefined;
    throw new BadRequest(`${key} is required`);
  }
  if (typeof v !== 'string') throw new BadRequest(`${key} must be a string`);
  return v;
}

/** a number, or null (= the config default); undefined when the key is absent */
export function numOrNull(body: Record<string, unknown>, key: string): number | null | undefined {
  if (!(key in body)) return undefined;
  const v = body[key];
  if (v === null || v === '') return null;
  if (typeof v !== 'number') throw new BadRequest(`${key} must be a number or null${QUOTA_KEYS.includes(key as never) ? ' or "unlimited"' : ''}`);
  return v;
}

export function strList(body: Record<string, unknown>, key: string): string[] | null | undefined {
  if (!(key in body)) return undefined;
  const v = body[key];
  if (v === null) return null;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new BadRequest(`${key} must be a list of strings`);
  return v as string[];
}

export const QUOTA_KEYS = ['dailyRequests', 'dailyTokens', 'monthlyTokens'] as const;

/** Each quota: a number (0 blocks), "unlimited", or null (= the config default); absent = unchanged. */
export function quotaPatch(body: Record<string, unknown>): Partial<Record<(typeof QUOTA_KEYS)[number], number | 'unlimited' | null>> {
  const out: Partial<Record<(typeof QUOTA_KEYS)[number], number | 'unlimited' | null>> = {};
  for (const k of QUOTA_KEYS) {
    if (body[k] === 'unlimited') out[k] = 'unlimited';
    else {
      const v = numOrNull(body, k);
      if (v !== undefined) out[k] = v;
    }
  }
  return out;
}

/** The budget keys a request sets (a key left out is unchanged); the service validates the values. */
export function budgetPatch(body: Record<string, unknown>): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const k of ['dailyBudget', 'monthlyBudget'] as const) if (body[k] !== undefined) patch[k] = body[k];
  return patch;
}
