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

/** The pick inputs of a set per eligibility mask, built once: only the random number changes per request. */
const BUILT = new WeakMap<AccountSet, Map<number, PickInputs>>();
/** masks are 31-bit sets; a larger set's inputs are built per request */
const MAX_CACHED_ACCOUNTS = 31;

export function accountInputs(set: AccountSet, model: string, tried: ReadonlySet<number>, now = Date.now()): AccountInputs {
  const ok = set.list.map(
    (a) => a.config.enabled && !tried.has(a.index) && (a.config.models.length === 0 || a.config.models.includes(model)) && a.breaker.peek(now),
  );
  const eligible = ok.filter(Boolean).length;
  const r = Math.random();
  if (ok.length > MAX_CACHED_ACCOUNTS) return { ...build(set, ok, r), eligible };
  const mask = ok.reduce((m, yes, i) => (yes ? m | (1 << i) : m), 0);
  let bySet = BUILT.get(set);
  if (!bySet) BUILT.set(set, (bySet = new Map()));
  let built = bySet.get(mask);
  if (!built) bySet.set(mask, (built = build(set, ok, 0)));
  // the runs (keys, candidates) are shared: the script client encodes them once
  return { keys: built.keys, args: [built.args[0], r, built.args[2]], eligible };
}

function build(set: AccountSet, ok: readonly boolean[], r: number): PickInputs {
  const candidates: AccountCandidate[] = set.list.map((a, i) => ({
    name: a.name,
    cap: a.config.maxConcurrency,
    weight: ok[i] ? a.config.weight : 0,
    leaseKey: a.leaseKey,
  }));
  return pickInputs(set.disabledKey, candidates, r);
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
