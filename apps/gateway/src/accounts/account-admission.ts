// The account part of admission: every account of the set is passed to the script (so the number
// of keys is fixed per set), each with its weight, or 0 when it may not take this request (off in
// the configuration, breaker open in this worker, does not serve the model, already tried).
import { ACCOUNT_ACQUIRE, pickInputs, type AccountCandidate, type PickInputs, type ScriptRunner } from '@dsp/core';
import type { Account, AccountSet } from './account-set.js';

export const NONE_TRIED: ReadonlySet<number> = new Set();

export interface AccountInputs extends PickInputs {
  /** the eligible ones; 0 means every account is out for this request */
  eligible: number;
}

export function accountInputs(set: AccountSet, model: string, tried: ReadonlySet<number>, now = Date.now()): AccountInputs {
  let eligible = 0;
  const candidates: AccountCandidate[] = set.list.map((a) => {
    const ok = a.config.enabled && !tried.has(a.index) && (a.config.models.length === 0 || a.config.models.includes(model)) && a.breaker.peek(now);
    if (ok) eligible++;
    return { name: a.name, cap: a.config.maxConcurrency, weight: ok ? a.config.weight : 0, leaseKey: a.leaseKey };
  });
  const { keys, args } = pickInputs(set.disabledKey, candidates, Math.random());
  return { keys, args, eligible };
}

export type Acquisition = { ok: true; account: Account } | { ok: false; full: number; disabled: number };

/** Takes a slot on another account (failover, waiting): the standalone acquire script. */
export async function acquireAccount(
  scripts: ScriptRunner,
  set: AccountSet,
  model: string,
  tried: ReadonlySet<number>,
  leaseId: string,
  leaseMs: number,
): Promise<Acquisition> {
  const inputs = accountInputs(set, model, tried);
  if (inputs.eligible === 0) return { ok: false, full: 0, disabled: 0 };
  const pick = await scripts.run(ACCOUNT_ACQUIRE, { pick: inputs, leaseId, leaseMs });
  return pick.ok ? { ok: true, account: set.list[pick.index]! } : pick;
}
