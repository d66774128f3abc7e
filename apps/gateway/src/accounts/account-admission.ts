// The account part of admission, in two steps. First the worker guesses: it picks one account by
// weight × the free room it last saw (each admission returns the picked account's slots in use),
// and the admission script checks and takes that one alone (is it out of rotation? under its cap?).
// Passing one candidate instead of all keeps the script's cost near the single-key form's: every
// argument and every redis.call costs Redis CPU on each request. Only when the guess is refused
// (full, or taken out of rotation meanwhile) does the script see every account and choose by the
// exact counts. The cap and the operator's disable hold either way; the guess only shapes the spread.
// On Redis Cluster the account keys are in another hash slot than the user's: the account slot is
// then a second call after the admission, which is undone when no account has room.
//
// In the full pick every account of the set is passed (so the number of keys is fixed per set),
// each with its weight, or 0 when it may not take this request (off in the configuration, breaker
// open in this worker, does not serve the model, already tried).
import {
  ACCOUNT_ACQUIRE,
  ADMIT,
  UNADMIT,
  accountScore,
  pickInputs,
  soloInputs as soloInputsOf,
  weightedPick,
  type AccountCandidate,
  type Admission,
  type AdmitInput,
  type PickInputs,
  type ScriptRunner,
  type SoloInputs,
} from '@dsp/core';
import type { Deps } from '../deps.js';
import type { Lease } from '../pipeline/types.js';
import type { Account, AccountSet } from './account-set.js';

export const NONE_TRIED: ReadonlySet<number> = new Set();

/** How long a worker trusts what it saw of an account's slots; older, the account counts as free. */
export const SEEN_MS = 1000;

export interface AccountInputs extends PickInputs {
  /** the eligible ones; 0 means every account is out for this request */
  eligible: number;
}

/** The pick inputs of a set per eligibility mask, built once: only the random number changes per request. */
const BUILT = new WeakMap<AccountSet, Map<number, PickInputs>>();
/** masks are 31-bit sets; a larger set's inputs are built per request */
const MAX_CACHED_ACCOUNTS = 31;

function mayServe(a: Account, model: string, tried: ReadonlySet<number>, now: number): boolean {
  return a.config.enabled && !tried.has(a.index) && (a.config.models.length === 0 || a.config.models.includes(model)) && a.breaker.peek(now);
}

export function accountInputs(set: AccountSet, model: string, tried: ReadonlySet<number>, now = Date.now()): AccountInputs {
  const ok = set.list.map((a) => mayServe(a, model, tried, now));
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

export interface Guess {
  /** the account to try alone; null when every eligible one looked full or out of rotation */
  account: Account | null;
  eligible: number;
}

/** The worker's own pick among the accounts that may serve `model`, by weight × the free room it last saw. */
export function guessAccount(set: AccountSet, model: string, now = Date.now()): Guess {
  const scores: number[] = [];
  let eligible = 0;
  for (const a of set.list) {
    if (!mayServe(a, model, NONE_TRIED, now)) {
      scores.push(0);
      continue;
    }
    eligible++;
    const used = now - a.seen.at < SEEN_MS ? a.seen.used : 0;
    scores.push(used === Infinity ? 0 : accountScore(a.config.weight, a.config.maxConcurrency, used));
  }
  const i = weightedPick(scores, Math.random());
  return { account: i < 0 ? null : set.list[i]!, eligible };
}

/** The admission's inputs for `account` alone, built once per account. */
const SOLO = new WeakMap<Account, SoloInputs>();
export function soloInputs(set: AccountSet, account: Account): SoloInputs {
  let built = SOLO.get(account);
  if (!built) {
    SOLO.set(account, (built = soloInputsOf(set.disabledKey, { name: account.name, cap: account.config.maxConcurrency, leaseKey: account.leaseKey })));
  }
  return built;
}

/** Remembers what an admission said of an account: its slots in use, or that it was full or out of rotation. */
export function saw(account: Account, what: number | 'full' | 'disabled', now = Date.now()): void {
  account.seen.used = what === 'full' ? account.config.maxConcurrency : what === 'disabled' ? Infinity : what;
  account.seen.at = now;
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
  if (!pick.ok) return pick;
  const account = set.list[pick.index]!;
  saw(account, pick.used);
  return { ok: true, account };
}

/**
 * The admission with an upstream account's slot (`input` is the admission without accounts; the
 * picked account is set on `lease`). Null when no account may take the request (all out of
 * rotation, failing, or not serving the model).
 */
export async function admitOnAccount(
  set: AccountSet,
  model: string,
  input: AdmitInput,
  lease: Lease,
  deps: Pick<Deps, 'config' | 'scripts' | 'log'>,
): Promise<Admission | null> {
  const guess = guessAccount(set, model);
  if (guess.eligible === 0) return null;
  if (deps.config.redis.cluster) return admitThenTakeAccount(set, model, input, lease, deps);
  const took = (account: Account, r: Admission): Admission => {
    if (!r.ok) return r;
    assignAccount(lease, account);
    saw(account, r.accountUsed);
    return r;
  };
  // the account's slot is taken in the same script as the quota and token slot: first on the
  // worker's guess alone, then, if the guess was full or out of rotation, choosing among all
  if (guess.account) {
    input.accounts = soloInputs(set, guess.account);
    const r = await deps.scripts.run(ADMIT, input);
    if (r.ok || r.reason !== 'upstream_capacity') return took(guess.account, r);
    saw(guess.account, r.disabled > 0 ? 'disabled' : 'full');
    if (guess.eligible === 1) return r;
  }
  input.accounts = accountInputs(set, model, NONE_TRIED);
  const r = await deps.scripts.run(ADMIT, input);
  return r.ok ? took(set.list[r.account]!, r) : r;
}

/**
 * Redis Cluster: the account keys live in another hash slot than the user's, so the account's slot
 * is taken in a second call (the pick among all, by exact counts), and the admission is undone when
 * no account has room: the refused request holds and counts nothing, as on one Redis.
 */
async function admitThenTakeAccount(set: AccountSet, model: string, input: AdmitInput, lease: Lease, deps: Pick<Deps, 'scripts' | 'log'>): Promise<Admission> {
  input.accounts = null;
  const r = await deps.scripts.run(ADMIT, input);
  if (!r.ok) return r;
  const undo = (): Promise<unknown> =>
    deps.scripts.run(UNADMIT, { leaseKey: lease.key, dayKey: lease.dayKey, monthKey: lease.monthKey, leaseId: lease.id }).catch((e: Error) => {
      deps.log.warn({ rid: lease.id, err: e.message }, 'could not undo an admission no account could take: its slot expires by itself');
    });
  let got: Acquisition;
  try {
    got = await acquireAccount(deps.scripts, set, model, NONE_TRIED, lease.id, input.leaseMs);
  } catch (e) {
    await undo();
    throw e;
  }
  if (!got.ok) {
    await undo();
    return { ok: false, reason: 'upstream_capacity', full: got.full, disabled: got.disabled };
  }
  assignAccount(lease, got.account);
  return r;
}

/** The request goes to `account`: the lease names it, and holds its slot when it has a cap (and Redis admitted the request). */
export function assignAccount(lease: Lease, account: Account): void {
  lease.account = account;
  lease.accountHeld = lease.held && account.config.maxConcurrency > 0;
}
